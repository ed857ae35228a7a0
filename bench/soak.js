// npm run soak: a bounded run (SOAK_SECONDS, default 60) of mixed signed traffic over every webhook route and
// the HTTP API against the real server process (production build, logs to /dev/null), with the Twilio REST
// side served by the simulator on loopback. Samples RSS every SOAK_SAMPLE_SECONDS (3) after a warm-up, and
// fails when any valid request got a non-2xx answer or RSS grew more than 20% from the first to the last third.
'use strict';
const { mkdtempSync, rmSync } = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const autocannon = require('autocannon');
const { TwilioApiServer } = require(path.resolve(__dirname, '../dist/src/simulator/restServer.js'));
const { ACCOUNT_SID, AUTH_TOKEN, CALL_PARAMS, freePort, startProcess, waitFor, rssBytes, signedForm, stop } = require('./lib');

const SECONDS = Number(process.env.SOAK_SECONDS ?? 60);
const SAMPLE_SECONDS = Number(process.env.SOAK_SAMPLE_SECONDS ?? 3);
const WARMUP_SECONDS = Math.min(10, Math.max(2, Math.round(SECONDS / 6)));
const CONNECTIONS = Number(process.env.SOAK_CONNECTIONS ?? 20);
const API_TOKEN = 'soak-api-token-0123456789abcdef0123456789abcd';

function mix(origin) {
  const sms = { MessageSid: 'SM0123456789abcdef0123456789abcdef', AccountSid: ACCOUNT_SID, From: '+15551234567', To: '+15550006666' };
  const api = (p, body) => ({
    method: 'POST',
    path: p,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${API_TOKEN}` },
    body: JSON.stringify(body),
  });
  return [
    signedForm(origin, '/voice', CALL_PARAMS),
    signedForm(origin, '/voice/menu', { ...CALL_PARAMS, Digits: '1' }),
    signedForm(origin, '/voice/menu', { ...CALL_PARAMS, SpeechResult: 'leave a message', Confidence: '0.9' }),
    signedForm(origin, '/voice/menu', { ...CALL_PARAMS, Digits: '3' }),
    signedForm(origin, '/voice/dial-status', { ...CALL_PARAMS, DialCallStatus: 'no-answer' }),
    signedForm(origin, '/voice/voicemail', { ...CALL_PARAMS, RecordingUrl: 'https://api.twilio.com/r/RE1', RecordingDuration: '7' }),
    signedForm(origin, '/sms', { ...sms, Body: 'hello <there> & you' }),
    signedForm(origin, '/sms', { ...sms, Body: 'HELP' }),
    signedForm(origin, '/twiml/message?Message%5B0%5D=Hello%20World&Message%5B1%5D=https%3A%2F%2Fx.example%2Fa.mp3', CALL_PARAMS),
    signedForm(origin, '/callbacks/call-status', { ...CALL_PARAMS, CallStatus: 'completed', CallDuration: '31' }),
    signedForm(origin, '/callbacks/message-status', { ...sms, MessageStatus: 'delivered' }),
    signedForm(origin, '/callbacks/recording', { ...CALL_PARAMS, RecordingSid: 'RE0123456789abcdef0123456789abcdef', RecordingStatus: 'completed' }),
    { method: 'GET', path: '/healthz' },
    api('/api/calls', { to: '+15551234567', message: 'Soak test call' }),
    api('/api/messages', { to: '+15551234567', body: 'Soak test message' }),
  ];
}

const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;

async function main() {
  const twilio = await TwilioApiServer.start({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN });
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  // The store in a file of its own, outside the repository, removed afterwards.
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'twiml-soak-'));
  process.on('exit', () => rmSync(dataDir, { recursive: true, force: true }));
  const child = startProcess(['dist/src/server.js'], {
    DATABASE_URL: `sqlite:${path.join(dataDir, 'soak.db')}`,
    PORT: String(port), NODE_ENV: 'production', LOG_LEVEL: 'info', PUBLIC_BASE_URL: origin,
    TWILIO_ACCOUNT_SID: ACCOUNT_SID, TWILIO_AUTH_TOKEN: AUTH_TOKEN, TWILIO_PHONE_NUMBER: '+15550006666',
    TWILIO_API_BASE_URL: twilio.url, API_TOKEN, API_RATE_LIMIT: '100000', OUTBOUND_ALLOWLIST: '+1555*', FORWARD_TO: '+15557654321',
  });
  let failed = false;
  try {
    await waitFor(async () => (await fetch(`${origin}/healthz`)).status === 200).catch((err) => {
      throw new Error(`${err.message}: ${child.stderrText()}`);
    });
    console.log(`soak: ${SECONDS} s of mixed signed traffic (${mix(origin).length} kinds of request), ${CONNECTIONS} connections, RSS every ${SAMPLE_SECONDS} s after ${WARMUP_SECONDS} s`);
    const samples = [];
    const started = Date.now();
    const timer = setInterval(() => {
      const t = (Date.now() - started) / 1000;
      if (t >= WARMUP_SECONDS) samples.push({ t: Math.round(t), rssMb: Math.round(rssBytes(child.pid) / 1e5) / 10 });
    }, SAMPLE_SECONDS * 1000);
    const statuses = new Map();
    const instance = autocannon({ url: origin, connections: CONNECTIONS, duration: SECONDS, requests: mix(origin) });
    instance.on('response', (_client, statusCode) => statuses.set(statusCode, (statuses.get(statusCode) ?? 0) + 1));
    const result = await instance;
    clearInterval(timer);

    const third = Math.max(1, Math.floor(samples.length / 3));
    const first = mean(samples.slice(0, third).map((s) => s.rssMb));
    const last = mean(samples.slice(-third).map((s) => s.rssMb));
    const growth = (last - first) / first;
    const non2xx = [...statuses].filter(([code]) => code < 200 || code > 299).reduce((n, [, c]) => n + c, 0);
    console.log(`requests: ${result.requests.total} (${Math.round(result.requests.average)}/s), p99 ${result.latency.p99} ms`);
    console.log(`statuses: ${[...statuses].map(([code, n]) => `${code}×${n}`).join(', ')}; errors ${result.errors}, timeouts ${result.timeouts}`);
    console.log(`RSS MB: ${samples.map((s) => s.rssMb).join(' ')}`);
    console.log(`RSS first third ${first.toFixed(1)} MB → last third ${last.toFixed(1)} MB: ${(growth * 100).toFixed(1)}%`);
    const health = await fetch(`${origin}/healthz`);
    const checks = [
      ['no non-2xx answer to a valid request', non2xx === 0 && result.errors === 0 && result.timeouts === 0],
      ['RSS grew at most 20% from the first to the last third', growth <= 0.2],
      ['still healthy afterwards', health.status === 200],
    ];
    for (const [name, ok] of checks) console.log(`  ${ok ? '✓' : '✗'} ${name}`);
    failed = checks.some(([, ok]) => !ok);
  } finally {
    const code = await stop(child);
    await twilio.close();
    console.log(`server exited with ${code} after SIGTERM`);
    if (code !== 0) failed = true;
  }
  process.exitCode = failed ? 1 : 0;
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
