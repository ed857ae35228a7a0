// Helpers shared by the benchmark and the soak run: free loopback ports, target processes, readiness, RSS,
// and requests signed the way Twilio signs them.
'use strict';
const { spawn } = require('node:child_process');
const { readFileSync } = require('node:fs');
const net = require('node:net');
const path = require('node:path');
const { getExpectedTwilioSignature } = require('twilio');

const ROOT = path.resolve(__dirname, '..');
const AUTH_TOKEN = '0123456789abcdef0123456789abcdef';
const ACCOUNT_SID = `AC${'0'.repeat(31)}1`;

/** A port that was free a moment ago on loopback. */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Starts a target as its own process (stdout discarded, as production logs to a file or /dev/null). */
function startProcess(args, env) {
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (c) => (stderr += c));
  child.stderrText = () => stderr;
  return child;
}

async function waitFor(check, timeoutMs = 10_000) {
  const started = Date.now();
  for (;;) {
    try {
      if (await check()) return Date.now() - started;
    } catch {
      /* not up yet */
    }
    if (Date.now() - started > timeoutMs) throw new Error(`not ready within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Resident set size of a process in bytes, from /proc (Linux). */
function rssBytes(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0);
  return kb * 1024;
}

/** A form POST as Twilio sends it: body plus X-Twilio-Signature for origin + path. */
function signedForm(origin, path, params) {
  const body = new URLSearchParams(params).toString();
  return {
    method: 'POST',
    path,
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-twilio-signature': getExpectedTwilioSignature(AUTH_TOKEN, origin + path, params),
    },
    body,
  };
}

function stop(child) {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve(child.exitCode);
    child.once('exit', (code) => resolve(code));
    child.kill('SIGTERM');
  });
}

const CALL_PARAMS = {
  CallSid: 'CA0123456789abcdef0123456789abcdef',
  AccountSid: ACCOUNT_SID,
  From: '+15551234567',
  To: '+15550006666',
  CallStatus: 'ringing',
  Direction: 'inbound',
  ApiVersion: '2010-04-01',
};

module.exports = { ROOT, AUTH_TOKEN, ACCOUNT_SID, CALL_PARAMS, freePort, startProcess, waitFor, rssBytes, signedForm, stop };
