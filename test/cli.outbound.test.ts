// The call and sms CLIs as real processes, talking to the local Twilio REST server.
import { TEST_ACCOUNT_SID, TEST_AUTH_TOKEN, testEnv } from './support/config';
import { CALL_ENTRY, SMS_ENTRY, runCli } from './support/process';
import { TwilioApiServer } from '../src/simulator/restServer';

let twilioApi: TwilioApiServer;
let env: Record<string, string | undefined>;

beforeAll(async () => {
  twilioApi = await TwilioApiServer.start({ accountSid: TEST_ACCOUNT_SID, authToken: TEST_AUTH_TOKEN });
  env = testEnv({ TWILIO_API_BASE_URL: twilioApi.url, OUTBOUND_ALLOWLIST: '+1555*' });
});
afterAll(() => twilioApi.close());
beforeEach(() => {
  twilioApi.requests.length = 0;
});

describe('when `npm run call` places a call', () => {
  it('then it prints only the new Call SID and exits 0', async () => {
    const result = await runCli(CALL_ENTRY, ['--to', '+15551234567', '--message', 'Hello world.'], env);
    expect(result).toMatchObject({ status: 0, stderr: '' });
    expect(result.stdout).toMatch(/^CA[0-9a-f]{32}\n$/);
    const sent = twilioApi.requestsTo('Calls')[0]?.params;
    expect(sent?.To).toBe('+15551234567');
    expect(new URL(sent?.Url as string).searchParams.get('Message[0]')).toBe('Hello world.');
  });

  it('then --path and --record are passed on', async () => {
    const result = await runCli(CALL_ENTRY, ['--to', '+15551234567', '--path', '/voice', '--record'], env);
    expect(result.status).toBe(0);
    expect(twilioApi.requestsTo('Calls')[0]?.params).toMatchObject({
      Url: 'https://voice.example.com/voice',
      Record: 'true',
    });
  });

  it('then a number outside the allow-list exits 1 with one line on stderr, and Twilio is not called', async () => {
    const result = await runCli(CALL_ENTRY, ['--to', '+442079460000', '--message', 'hi'], env);
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe('error: +442079460000 is not in OUTBOUND_ALLOWLIST\n');
    expect(twilioApi.requests).toHaveLength(0);
  });

  it('then an invalid number exits 2', async () => {
    const result = await runCli(CALL_ENTRY, ['--to', 'nobody', '--message', 'hi'], env);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/^error: to: must be an E\.164 number/);
  });

  it('then a Twilio failure exits 1 with Twilio’s code', async () => {
    twilioApi.failNext({ status: 400, code: 21215, message: 'Geo Permission configuration is not permitting call' });
    const result = await runCli(CALL_ENTRY, ['--to', '+15551234567', '--message', 'hi'], env);
    expect(result.status).toBe(1);
    expect(result.stderr).toBe('error: Twilio error 21215: Geo Permission configuration is not permitting call\n');
  });

  it('then an unknown flag exits 2 and shows the usage', async () => {
    const result = await runCli(CALL_ENTRY, ['--too', '+15551234567'], env);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/Unknown option '--too'[\s\S]*Usage: npm run --silent call/);
  });

  it('then --help documents every flag and exits 0', async () => {
    const result = await runCli(CALL_ENTRY, ['--help'], {});
    expect(result.status).toBe(0);
    for (const flag of ['--to', '--message', '--path', '--record', '--from', '--help'])
      expect(result.stdout).toContain(flag);
  });

  it('then invalid config exits 1 naming the variable', async () => {
    const result = await runCli(CALL_ENTRY, ['--to', '+15551234567', '--message', 'hi'], {
      ...env,
      OUTBOUND_ALLOWLIST: '*',
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/OUTBOUND_ALLOWLIST must list E\.164 numbers or prefixes/);
  });
});

describe('when `npm run sms` sends a message', () => {
  it('then it prints only the new Message SID and exits 0', async () => {
    const result = await runCli(SMS_ENTRY, ['--to', '+15551234567', '--body', 'Hello world.'], env);
    expect(result).toMatchObject({ status: 0, stderr: '' });
    expect(result.stdout).toMatch(/^SM[0-9a-f]{32}\n$/);
    expect(twilioApi.requestsTo('Messages')[0]?.params).toMatchObject({ To: '+15551234567', Body: 'Hello world.' });
  });

  it('then repeated --media-url flags attach several files', async () => {
    const result = await runCli(
      SMS_ENTRY,
      ['--to', '+15551234567', '--media-url', 'https://x.example/a.png', '--media-url', 'https://x.example/b.png'],
      env,
    );
    expect(result.status).toBe(0);
    expect(twilioApi.requestsTo('Messages')[0]?.params.MediaUrl).toEqual([
      'https://x.example/a.png',
      'https://x.example/b.png',
    ]);
  });

  it('then a missing body exits 2 and --help documents every flag', async () => {
    expect((await runCli(SMS_ENTRY, ['--to', '+15551234567'], env)).status).toBe(2);
    const help = await runCli(SMS_ENTRY, ['--help'], {});
    for (const flag of ['--to', '--body', '--media-url', '--help']) expect(help.stdout).toContain(flag);
  });

  it('then without credentials it exits 1 saying which variables to set', async () => {
    const result = await runCli(SMS_ENTRY, ['--to', '+15551234567', '--body', 'x'], {
      OUTBOUND_ALLOWLIST: '+1555*',
      PUBLIC_BASE_URL: 'https://voice.example.com',
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(
      /Twilio credentials are not configured: set TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN/,
    );
  });
});
