// The local loop as a user runs it, every piece a real process: `simulate serve --number` as the account's
// Twilio, the built server pointed at it (TWILIO_API_BASE_URL), `setup-number` rehearsed against it, then
// `simulate call` leaving a voicemail. The call must end with its final status and duration in the API (the
// number's status callback), and its voicemail must play through the API (the recording handed to the
// simulator); with nothing listening, setup-number names TWILIO_API_BASE_URL.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { childEnv, emptyDir, runCli, SIMULATE_ENTRY, startServer, type RunningServer } from './support/process';
import { TEST_ACCOUNT_SID, TEST_AUTH_TOKEN } from './support/config';

const SETUP_ENTRY = path.resolve(__dirname, '../dist/src/cli/setupNumber.js');
const NUMBER = '+15550006666';
const API_TOKEN = 'local-loop-token-0123456789abcdef0123';
const credentials = { TWILIO_ACCOUNT_SID: TEST_ACCOUNT_SID, TWILIO_AUTH_TOKEN: TEST_AUTH_TOKEN };

/** `simulate serve` as a child process; resolves with its URL once it prints it. */
function serveSimulator(): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [SIMULATE_ENTRY, 'serve', '--port', '0', '--number', NUMBER], {
    cwd: emptyDir(),
    env: childEnv(credentials),
  });
  let out = '';
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      const url = /on (http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1];
      if (url) resolve({ child, url });
    });
    child.once('exit', (code) => reject(new Error(`simulate serve exited ${code}: ${out}`)));
  });
}

describe('when a developer runs the whole loop locally: simulate serve, the server, setup-number, simulate call', () => {
  jest.setTimeout(60_000);
  let twilio: { child: ChildProcess; url: string };
  let server: RunningServer;

  beforeAll(async () => {
    twilio = await serveSimulator();
    server = await startServer({
      ...credentials,
      NODE_ENV: 'development',
      TWILIO_PHONE_NUMBER: NUMBER,
      TWILIO_API_BASE_URL: twilio.url,
      API_TOKEN,
      DATABASE_URL: `sqlite:${path.join(emptyDir(), 'loop.db')}`,
    });
  });

  afterAll(() => {
    server?.child.kill('SIGTERM');
    twilio?.child.kill('SIGTERM');
  });

  const api = async (pathname: string) => {
    const res = await fetch(`${server.url}${pathname}`, { headers: { Authorization: `Bearer ${API_TOKEN}` } });
    return { status: res.status, type: res.headers.get('content-type'), res };
  };

  it('then setup-number finds the simulated account number and points it at the server', async () => {
    const setup = await runCli(SETUP_ENTRY, [NUMBER], {
      ...credentials,
      TWILIO_API_BASE_URL: twilio.url,
      PUBLIC_BASE_URL: server.url,
    });
    expect([setup.status, setup.stderr]).toEqual([0, '']);
    expect(setup.stdout).toContain(`status callback  POST ${server.url}/callbacks/call-status`);
  });

  it('then a simulated call ends completed with its duration, and its voicemail plays', async () => {
    const call = await runCli(SIMULATE_ENTRY, ['call', '--url', `${server.url}/voice`, '--press', '2', '--json'], {
      ...credentials,
      TWILIO_API_BASE_URL: twilio.url,
      TWILIO_PHONE_NUMBER: NUMBER,
    });
    expect([call.status, call.stderr]).toEqual([0, '']);
    const played = JSON.parse(call.stdout) as { callSid: string; durationSeconds: number };

    const stored = await api(`/api/calls/${played.callSid}`);
    const body = (await stored.res.json()) as { status: string; durationSeconds: number | null; source: string };
    expect(body).toMatchObject({ status: 'completed', durationSeconds: played.durationSeconds, source: 'store' });
    expect(played.durationSeconds).toBeGreaterThan(0);

    const list = (await (await api('/api/voicemails')).res.json()) as { items: Array<{ id: string; callSid: string }> };
    const voicemail = list.items.find((v) => v.callSid === played.callSid);
    expect(voicemail).toBeDefined();
    const audio = await api(`/api/voicemails/${voicemail?.id}/audio`);
    expect([audio.status, audio.type]).toEqual([200, 'audio/mpeg']);
    expect((await audio.res.arrayBuffer()).byteLength).toBeGreaterThan(1000);
  });

  it('then setup-number with nothing listening names the TWILIO_API_BASE_URL it tried', async () => {
    const setup = await runCli(SETUP_ENTRY, [NUMBER], {
      ...credentials,
      TWILIO_API_BASE_URL: 'http://127.0.0.1:9',
      PUBLIC_BASE_URL: server.url,
      TWILIO_MAX_RETRIES: '0',
    });
    expect(setup.status).toBe(1);
    expect(setup.stderr).toMatch(
      /^error: could not reach the Twilio API at http:\/\/127\.0\.0\.1:9 \(TWILIO_API_BASE_URL\): ECONNREFUSED/,
    );
  });
});
