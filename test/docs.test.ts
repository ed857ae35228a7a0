// The docs match the code: every README curl line works against the app, every route has one, and every
// config variable is in .env.example (with a comment) and in the README.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { createApp } from '../src/app';
import { CONFIG_VARIABLES, loadConfig } from '../src/config';
import { formBody, parseCurl } from './support/curl';
import { ALL_ROUTES } from './support/routes';
import { parseTwiml } from './support/twiml';

const root = path.resolve(__dirname, '..');
const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
const envExample = readFileSync(path.join(root, '.env.example'), 'utf8');

/** The lines of the README's "Try every route with curl" block. */
function readmeCurlLines(): string[] {
  const section = readme.slice(readme.indexOf('### Try every route with curl'));
  const block = /```sh\n([\s\S]*?)```/.exec(section)?.[1] ?? '';
  return block.split('\n').filter((l) => l.startsWith('curl '));
}

describe('when a reader follows the README', () => {
  // The quick-start server: development, no credentials.
  const app = createApp(loadConfig({ NODE_ENV: 'development', LOG_LEVEL: 'silent' }));
  const lines = readmeCurlLines();

  it('then there is a curl line for every route', () => {
    const paths = lines.map((l) => new URL(parseCurl(l).url).pathname);
    expect([...new Set(paths)].sort()).toEqual([...ALL_ROUTES].sort());
  });

  it.each(readmeCurlLines().map((l) => [l]))('then `%s` succeeds', async (line) => {
    const curl = parseCurl(line);
    const url = new URL(curl.url);
    const target = url.pathname + url.search;
    const res =
      curl.method === 'POST'
        ? await request(app).post(target).type('form').send(formBody(curl.data))
        : await request(app).get(target);
    expect(res.status).toBeGreaterThanOrEqual(200);
    expect(res.status).toBeLessThan(300);
    if (res.headers['content-type']?.startsWith('text/xml')) parseTwiml(res.text);
  });

  it('then every route in the route table exists in the README', () => {
    for (const route of ALL_ROUTES) expect(readme).toContain(`\`${route === '/healthz' ? 'GET /healthz' : route}\``);
  });
});

describe('when a reader configures the server', () => {
  it.each(CONFIG_VARIABLES.map((v) => [v]))('then %s is in .env.example with a comment above it', (name) => {
    const lines = envExample.split('\n');
    const at = lines.findIndex((l) => l.startsWith(`${name}=`));
    expect(at).toBeGreaterThan(0);
    expect(lines[at - 1]).toMatch(/^#/);
  });

  it.each(CONFIG_VARIABLES.map((v) => [v]))('then %s is in the README configuration table', (name) => {
    expect(readme).toMatch(new RegExp(`\\| [^\\n]*\`${name}\``));
  });

  it('then .env.example itself is a valid configuration', () => {
    const env: Record<string, string> = {};
    for (const line of envExample.split('\n')) {
      const m = /^([A-Z_]+)=(.*)$/.exec(line);
      if (m) env[m[1] as string] = m[2] as string;
    }
    expect(() => loadConfig(env)).not.toThrow();
  });
});
