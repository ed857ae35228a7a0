// The docs match the code: every README curl line works against the app, every route has one, and every
// config variable is in .env.example (with a comment) and in the README.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { createApp } from '../src/app';
import { openStore } from '../src/store/store';
import { CONFIG_VARIABLES, loadConfig } from '../src/config';
import { TEST_ACCOUNT_SID, TEST_AUTH_TOKEN, testConfig, testEnv } from './support/config';
import { formBody, parseCurl, shellWords } from './support/curl';
import { startAppServer } from './support/appServer';
import { CALL_ENTRY, SIMULATE_ENTRY, SMS_ENTRY, runCli } from './support/process';
import { TwilioApiServer } from '../src/simulator/restServer';
import { ALL_ROUTES, PROBE_ROUTES } from './support/routes';
import { parseTwiml } from './support/twiml';

const root = path.resolve(__dirname, '..');
const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
const envExample = readFileSync(path.join(root, '.env.example'), 'utf8');

/** The lines starting with `prefix` in the first sh block after the README heading `heading` that has any. */
function readmeLines(heading: string, prefix: string): string[] {
  const section = readme.slice(readme.indexOf(heading));
  for (const [, block] of section.matchAll(/```sh\n([\s\S]*?)```/g)) {
    const lines = (block as string).split('\n').filter((l) => l.startsWith(prefix));
    if (lines.length > 0) return lines;
  }
  return [];
}

const readmeCurlLines = () => readmeLines('### Try every route with curl', 'curl ');

describe('when a reader follows the README', () => {
  // The quick-start server: development, no credentials, with the two allow-lists the README starts it with.
  const startedAs = /started as\s+`([^`]+) npm start`/.exec(readme)?.[1] ?? '';
  const allowLists = Object.fromEntries(
    shellWords(startedAs).map((w) => {
      const [name, value] = w.split('=', 2) as [string, string];
      return [name, value.replace(/^'(.*)'$/, '$1')];
    }),
  );
  const app = createApp(loadConfig({ NODE_ENV: 'development', LOG_LEVEL: 'silent', ...allowLists }));

  it('then the allow-lists it is started with are the ones the README names', () => {
    expect(allowLists).toEqual({ OUTBOUND_ALLOWLIST: '+1555*', CONFERENCE_ALLOWLIST: 'standup' });
  });
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
    // Answered as written, not with the egress policy's apology nor a refused parameter's.
    expect(res.text).not.toContain('cannot be connected');
    expect(res.text).not.toContain('something went wrong');
  });

  it('then every route in the route table exists in the README', () => {
    for (const route of ALL_ROUTES) {
      const probe = (PROBE_ROUTES as readonly string[]).includes(route);
      expect(readme).toContain(`\`${probe ? `GET ${route}` : route}\``);
    }
  });
});

describe('when a reader uses the outbound API and CLI from the README', () => {
  const API_TOKEN = 'readme-api-token-0123456789abcdef0123456789';
  let twilioApi: TwilioApiServer;
  beforeAll(async () => {
    twilioApi = await TwilioApiServer.start({ accountSid: TEST_ACCOUNT_SID, authToken: TEST_AUTH_TOKEN });
  });
  afterAll(() => twilioApi.close());
  const outboundEnv = () => ({ TWILIO_API_BASE_URL: twilioApi.url, API_TOKEN, OUTBOUND_ALLOWLIST: '+1555*' });

  it('then every API curl line succeeds against a server wired to a local Twilio API', async () => {
    // The README reads voicemail 1 and plays it: a stored voicemail whose recording Twilio has.
    const store = openStore('sqlite::memory:');
    const recordingSid = `RE${'0'.repeat(31)}1`;
    await store.apply(
      [
        {
          type: 'voicemail',
          at: new Date().toISOString(),
          recordingSid,
          silent: false,
          source: 'menu',
          audience: { emails: [] },
        },
      ],
      () => [],
    );
    twilioApi.addRecording(recordingSid, 3);
    const app = createApp(testConfig(outboundEnv()), { store });
    const lines = readmeLines('### HTTP API', 'curl ');
    expect(lines.length).toBeGreaterThanOrEqual(5);
    // The README reads back example SIDs: make them exist.
    twilioApi.calls.set('CA0123456789abcdef0123456789abcdef', {
      sid: 'CA0123456789abcdef0123456789abcdef',
      status: 'completed',
    });
    twilioApi.messages.set('SM0123456789abcdef0123456789abcdef', {
      sid: 'SM0123456789abcdef0123456789abcdef',
      status: 'delivered',
    });
    for (const line of lines) {
      const curl = parseCurl(line, { API_TOKEN });
      const url = new URL(curl.url);
      const res =
        curl.method === 'POST'
          ? await request(app).post(url.pathname).set(curl.headers).send(curl.data[0])
          : await request(app)
              .get(url.pathname + url.search)
              .set(curl.headers);
      const created = curl.method === 'POST' && !url.pathname.endsWith('/listened');
      expect([line, res.status]).toEqual([line, created ? 201 : curl.method === 'POST' ? 204 : 200]);
    }
    await store.close();
  });

  it('then every CLI line exits 0', async () => {
    const lines = readmeLines('### CLI', 'npm run --silent ');
    expect(lines.length).toBeGreaterThanOrEqual(4);
    for (const line of lines) {
      const [, , , script, , ...args] = shellWords(line);
      const result = await runCli(script === 'call' ? CALL_ENTRY : SMS_ENTRY, args, testEnv(outboundEnv()));
      expect([line, result.status, result.stderr]).toEqual([line, 0, '']);
    }
  });
});

describe('when a reader runs the simulator commands from the README', () => {
  it('then each call and sms line exits 0 against a running server', async () => {
    const running = await startAppServer({ FORWARD_TO: '+15557654321', OUTBOUND_ALLOWLIST: '+15557654321' });
    try {
      const lines = [
        ...readmeLines('## Quick start', 'npm run --silent simulate -- '),
        ...readmeLines('## Simulator', 'npm run --silent simulate -- '),
      ];
      expect(lines.length).toBeGreaterThanOrEqual(7);
      for (const line of lines) {
        const args = shellWords(line.replaceAll('http://localhost:3000', running.url)).slice(5);
        const result = await runCli(SIMULATE_ENTRY, args, testEnv());
        expect([line, result.status, result.stderr]).toEqual([line, 0, '']);
      }
    } finally {
      await running.close();
    }
  });
});

describe('when a reader compares the sample transcript with a run', () => {
  const sample =
    /started as `([^`]+) npm start` \(development[\s\S]*?\n`(npm run --silent simulate -- [^`]+)`\nprints this[^\n]*\n\n```\n([\s\S]*?)```/.exec(
      readme,
    );
  /** Times and SIDs vary from run to run; the rest is the transcript. */
  const stable = (text: string) =>
    text
      .replace(/\d+ ms/g, 'N ms')
      .replace(/CA[0-9a-f]{32}/g, 'CA…')
      .split('\n')
      .filter((l) => l.trim() !== '');

  it('then it states its settings and command, and the command prints it against a server with those settings', async () => {
    expect(sample).not.toBeNull();
    const [, settings, command, transcript] = sample as unknown as [string, string, string, string];
    const env = Object.fromEntries(
      shellWords(settings).map((w) => {
        const [name, value] = w.split('=', 2) as [string, string];
        return [name, value.replace(/^'(.*)'$/, '$1')];
      }),
    );
    expect(Object.keys(env).sort()).toEqual(['FORWARD_TO', 'OUTBOUND_ALLOWLIST']);
    // The test server checks signatures (the CLI signs with the test token); what the call hears is the same.
    const running = await startAppServer(env);
    try {
      const args = shellWords(command.replaceAll('http://localhost:3000', running.url)).slice(5);
      const result = await runCli(SIMULATE_ENTRY, args, testEnv());
      expect(result.status).toBe(0);
      expect(stable(result.stdout)).toEqual(stable(transcript));
    } finally {
      await running.close();
    }
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
