// `npm run simulate` as a real process: transcripts, JSON, SMS, a forged token, and serve mode driven by the
// official twilio client.
import { spawn } from 'node:child_process';
import { BaseUrlRequestClient } from '../src/services/twilioClient';
import twilio from 'twilio';
import { startAppServer, type RunningApp } from './support/appServer';
import { TEST_ACCOUNT_SID, TEST_AUTH_TOKEN, testEnv } from './support/config';
import { SIMULATE_ENTRY, childEnv, emptyDir, runCli } from './support/process';

let app: RunningApp;
const env = testEnv();

beforeAll(async () => {
  app = await startAppServer({ FORWARD_TO: '+15557654321', OUTBOUND_ALLOWLIST: '+15557654321' });
});
afterAll(() => app.close());

describe('when `simulate call` calls our /voice', () => {
  it('then it prints one line per step and exits 0', async () => {
    const result = await runCli(
      SIMULATE_ENTRY,
      ['call', '--url', `${app.url}/voice`, '--press', '2', '--record-seconds', '7'],
      env,
    );
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^→ POST \/voice\s+200 text\/xml \d+ ms$/);
    expect(lines).toContain('  Say      "Thanks for calling."');
    expect(lines.find((l) => l.includes('Gather'))).toMatch(/^ {2}Gather {3}dtmf speech, 1 digit\s+← pressed 2$/);
    expect(lines.find((l) => l.includes('Record'))).toMatch(/^ {2}Record {3}max 120 s, beep\s+← 7 s recording$/);
    expect(lines.find((l) => l.includes('⇢ recording'))).toMatch(/204 \/callbacks\/recording$/);
    expect(lines).toContain('  Say      "Thanks for your message. Goodbye."');
    expect(lines.at(-3)).toBe('  Hangup');
    // The number's status callback, where setup-number points it, once the call has ended.
    expect(lines.at(-2)).toMatch(/^ {2}⇢ call completed +204 \/callbacks\/call-status$/);
    expect(lines.at(-1)).toMatch(/^call completed in 3 requests, \d+ s \(CA[0-9a-f]{32}\)$/);
  });

  it('then --json prints the same as JSON', async () => {
    const result = await runCli(
      SIMULATE_ENTRY,
      ['call', '--url', `${app.url}/voice`, '--say', 'operator', '--dial', 'busy', '--json'],
      env,
    );
    const parsed = JSON.parse(result.stdout) as {
      status: string;
      requests: number;
      steps: Array<{ type: string; verb?: string }>;
    };
    expect(parsed).toMatchObject({ status: 'completed', requests: 4 });
    expect(parsed.steps.filter((s) => s.type === 'verb').map((s) => s.verb)).toContain('Dial');
  });

  it('then a wrong auth token makes our app answer 403, reported as 11217 with exit 1', async () => {
    const result = await runCli(SIMULATE_ENTRY, ['call', '--url', `${app.url}/voice`], {
      ...env,
      TWILIO_AUTH_TOKEN: 'a'.repeat(32),
    });
    expect(result.status).toBe(1);
    expect(result.stdout).toMatch(/→ POST \/voice\s+403/);
    expect(result.stdout).toMatch(/✗ 11217 HTTP error response code: 403 Forbidden/);
    expect(result.stdout.trimEnd().split('\n').at(-1)).toMatch(/^call failed in 1 request/);
  });
});

describe('when `simulate sms` texts our /sms', () => {
  it('then the reply is printed', async () => {
    const result = await runCli(SIMULATE_ENTRY, ['sms', '--url', `${app.url}/sms`, '--body', 'hello'], env);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain(
      'Message  to +15550001111: "Thanks for your message. We will get back to you soon."',
    );
    expect(result.stdout).toMatch(/message handled: 1 reply\n$/);
  });
});

describe('when `simulate` is used wrongly', () => {
  it.each([
    [[], /say call, sms or serve/],
    [['call'], /--url is required/],
    [['call', '--url', 'http://x', '--dial', 'maybe'], /--dial takes answered, busy, no-answer or failed/],
    [['call', '--url', 'http://x', '--press', 'abc'], /--press takes keys/],
    [['sms', '--url', 'http://x'], /sms needs --body/],
  ])('then %j exits 2 with a reason and the usage', async (args, reason) => {
    const result = await runCli(SIMULATE_ENTRY, args, env);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(reason);
    expect(result.stderr).toContain('Usage:');
  });
});

describe('when `simulate serve` runs the REST side', () => {
  it('then the twilio client places a call against it, the call is played out and its transcript printed', async () => {
    const child = spawn(process.execPath, [SIMULATE_ENTRY, 'serve', '--port', '0'], {
      cwd: emptyDir(),
      env: childEnv(env),
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    const waitFor = async (pattern: RegExp) => {
      for (let i = 0; i < 100 && !pattern.test(out); i++) await new Promise((r) => setTimeout(r, 50));
      return pattern.exec(out);
    };
    try {
      const url = (await waitFor(/set TWILIO_API_BASE_URL=(http:\/\/127\.0\.0\.1:\d+)/))?.[1] as string;
      expect(url).toBeDefined();
      const client = twilio(TEST_ACCOUNT_SID, TEST_AUTH_TOKEN, { httpClient: new BaseUrlRequestClient(url, {}) });
      const call = await client.calls.create({
        to: '+15551234567',
        from: '+15550006666',
        url: `${app.url}/twiml/message?Message%5B0%5D=Served`,
        statusCallback: `${app.url}/callbacks/call-status`,
      });
      expect(call.sid).toMatch(/^CA/);
      expect(await waitFor(/call completed in 1 request/)).not.toBeNull();
      expect(out).toMatch(/→ POST \/twiml\/message\?Message\[0\]=Served\s+200/);
      expect(out).toMatch(/Say {6}"Served"/);
      expect(out).toMatch(/⇢ call completed\s+204 \/callbacks\/call-status/);
      await expect(client.calls.create({ to: '+1', from: '+2', url: 'http://x' })).rejects.toMatchObject({
        status: 400,
        code: 21211,
      });
      const wrongAuth = twilio(TEST_ACCOUNT_SID, 'b'.repeat(32), { httpClient: new BaseUrlRequestClient(url, {}) });
      await expect(
        wrongAuth.messages.create({ to: '+15551234567', from: '+15550006666', body: 'x' }),
      ).rejects.toMatchObject({ status: 401 });
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  });
});
