// Self-hosted TwiML Bins: templates filled with XML-escaped parameters, checked when the server starts.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { createApp } from '../src/app';
import { captureLogs } from './support/logs';
import { BinError, loadBins } from '../src/twiml/bins';
import { testBinChecks, testConfig, testEnv } from './support/config';
import { SERVER_ENTRY, childEnv, emptyDir } from './support/process';
import { signedGet, signedPost } from './support/signing';
import { only, parseTwiml } from './support/twiml';

/** A folder of bins written for one test. */
function binsDir(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'bins-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  return dir;
}

describe('when the shipped example bins are served', () => {
  const app = createApp(testConfig({ BINS_DIR: path.resolve(__dirname, '../bins'), DEFAULT_COUNTRY: 'US' }));

  it('then /bins/hello greets the caller by number, or generally without one', async () => {
    const withFrom = parseTwiml((await signedPost(app, '/bins/hello', { From: '+15551234567' })).text);
    expect(only(withFrom, 'Say').text).toBe(
      'Hello, caller from +15551234567. This answer comes from a TwiML Bin on your own server.',
    );
    const without = parseTwiml((await signedGet(app, '/bins/hello')).text);
    expect(only(without, 'Say').text).toMatch(/^Hello\. This answer/);
  });

  it('then /bins/sms-echo escapes the body and normalises the number with the e164 helper', async () => {
    const res = await signedPost(app, '/bins/sms-echo', { From: '(555) 234-5678', Body: '<Hangup/> & "x" \'y\'' });
    expect(res.headers['content-type']).toBe('text/xml; charset=utf-8');
    expect(only(parseTwiml(res.text), 'Message').text).toBe('You (+15552345678) said: <Hangup/> & "x" \'y\'');
  });

  it('then sms-echo is a messaging bin (<Message> is no voice verb) and hello a voice bin', () => {
    const bins = loadBins(path.resolve(__dirname, '../bins'), testBinChecks());
    expect(bins.get('sms-echo')?.kind).toBe('messaging');
    expect(bins.get('hello')?.kind).toBe('voice');
  });

  it('then a messaging bin whose answer is refused answers like messaging (an empty <Response/>), never a voice apology', async () => {
    const res = await signedPost(app, '/bins/sms-echo', { From: '(555) 234-5678', Body: 'x' });
    expect(res.status).toBe(200);
    const bins = binsDir({ 'abroad.xml': '<Response><Message to="{{e164 Body}}">Hi</Message></Response>' });
    const local = createApp(testConfig({ BINS_DIR: bins, OUTBOUND_ALLOWLIST: '+1555*' }));
    const refused = parseTwiml((await signedPost(local, '/bins/abroad', { Body: '+447700900123' })).text);
    expect(refused.children).toEqual([]);
  });

  it('then an unknown bin is a JSON 404 (after the signature check) and an unsigned request a 403', async () => {
    const missing = await signedPost(app, '/bins/nope', {});
    expect(missing.status).toBe(404);
    expect(missing.body.error).toMatch(/no TwiML Bin named "nope"/);
    expect((await request(app).post('/bins/hello').type('form').send('From=x')).status).toBe(403);
  });
});

describe('when a template tries to let a parameter through unescaped', () => {
  it('then even {{{triple-stash}}} gets escaped text, never markup', async () => {
    const bins = loadBins(binsDir({ 'raw.xml': '<Response><Say>{{{Body}}}</Say></Response>' }), testBinChecks());
    const app = createApp(testConfig(), { bins });
    const doc = parseTwiml((await signedPost(app, '/bins/raw', { Body: '</Say><Dial>+19005550000</Dial><Say>' })).text);
    expect(doc.children.map((c) => c.name)).toEqual(['Say']);
    expect(doc.children[0]?.text).toBe('</Say><Dial>+19005550000</Dial><Say>');
  });
});

describe('when a bin is broken', () => {
  it.each([
    [{ 'bad.xml': '<Response><Say>unclosed</Response>' }, /bad\.xml: 12100 Document parse failure/],
    [{ 'root.xml': '<Reply><Say>x</Say></Reply>' }, /root\.xml: 12102/],
    [{ 'verb.xml': '<Response><Speak>x</Speak></Response>' }, /verb\.xml: 12200/],
    [{ 'syntax.hbs': '<Response><Say>{{#if}}</Say></Response>' }, /syntax\.hbs: template does not compile/],
    [{ 'twin.xml': '<Response/>', 'twin.hbs': '<Response/>' }, /a bin named "twin" exists twice/],
  ])('then loading %j fails with the file name and the reason', (files, reason) => {
    expect(() => loadBins(binsDir(files), testBinChecks())).toThrow(BinError);
    expect(() => loadBins(binsDir(files), testBinChecks())).toThrow(reason);
  });

  it('then the server refuses to start, exit 1, naming the file', () => {
    const dir = binsDir({ 'good.xml': '<Response/>', 'broken.xml': '<Response><Say></Response>' });
    const result = spawnSync(process.execPath, [SERVER_ENTRY], {
      cwd: emptyDir(),
      env: childEnv(testEnv({ BINS_DIR: dir, PORT: '0' })),
      encoding: 'utf8',
      timeout: 10_000,
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/TwiML Bin .*broken\.xml: 12100/);
  });

  it('then a missing folder means no bins: a warning in development, a refusal to start in production', () => {
    const missing = path.join(tmpdir(), 'no-such-bins-folder');
    expect(loadBins(missing, testBinChecks()).size).toBe(0);
    const logs = captureLogs();
    createApp(testConfig({ NODE_ENV: 'development', BINS_DIR: missing }), { logger: logs.logger });
    expect(logs.entries().find((e) => e.msg === 'BINS_DIR does not exist: no TwiML Bins are served')).toMatchObject({
      level: 40,
      binsDir: missing,
    });
    expect(() => createApp(testConfig({ NODE_ENV: 'production', BINS_DIR: missing }))).toThrow(
      /no-such-bins-folder: BINS_DIR does not exist/,
    );
  });

  it('then a template error gives the whole reason with its line and column', () => {
    const source = '<Response>\n  <Say>{{foo bar}</Say>\n</Response>';
    expect(() => loadBins(binsDir({ 'typo.hbs': source }), testBinChecks())).toThrow(
      /typo\.hbs: template does not compile at line 2, column 17:\nParse error on line 2:\n.*\n-+\^\nExpecting .*got 'INVALID'/,
    );
  });
});

describe('when a bin has XML comments', () => {
  it('then their text is never template text: slots in a comment are not filled, nor parsed', async () => {
    const bins = loadBins(
      binsDir({
        'noted.xml':
          '<Response>\n<!-- Fill {{Name}} slots; {{#if}} is not parsed here -->\n<Say>Hi {{Name}}</Say></Response>',
      }),
      testBinChecks(),
    );
    const res = await signedPost(createApp(testConfig(), { bins }), '/bins/noted', { Name: 'Ada' });
    expect(res.text).not.toContain('Fill');
    expect(parseTwiml(res.text).children.map((c) => c.text)).toEqual(['Hi Ada']);
  });
});
