// Runs the built server (dist/) as a real child process, as production does, and reads its log lines.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export const SERVER_ENTRY = path.resolve(__dirname, '../../dist/src/server.js');
export const SIGN_ENTRY = path.resolve(__dirname, '../../dist/src/cli/sign.js');
export const CALL_ENTRY = path.resolve(__dirname, '../../dist/src/cli/call.js');
export const SMS_ENTRY = path.resolve(__dirname, '../../dist/src/cli/sms.js');
export const SIMULATE_ENTRY = path.resolve(__dirname, '../../dist/src/cli/simulate.js');

export interface CliResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs a built CLI without blocking this process (servers the CLI talks to may live in it); `stdin`, when given,
 * is written to its standard input (a pipe, as `printf … | npm run …` gives it), which is then closed.
 */
export function runCli(
  entry: string,
  args: string[],
  env: Record<string, string | undefined>,
  stdin?: string,
): Promise<CliResult> {
  const child = spawn(process.execPath, [entry, ...args], { cwd: emptyDir(), env: childEnv(env) });
  child.stdin.end(stdin ?? '');
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve) => child.on('close', (status) => resolve({ status, stdout, stderr })));
}

export interface RunningServer {
  readonly child: ChildProcessWithoutNullStreams;
  readonly port: number;
  readonly url: string;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code once the process has ended. */
  readonly exited: Promise<number | null>;
}

/** Environment for a child: only PATH from ours, so a developer's own .env or variables cannot leak in. */
export function childEnv(env: Record<string, string | undefined>): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, ...env } as NodeJS.ProcessEnv;
}

/** An empty working directory, so dotenv finds no .env file. */
export const emptyDir = (): string => mkdtempSync(path.join(tmpdir(), 'twiml-server-'));

/** Starts dist/src/server.js on a free port; logs at info, since the "listening" line gives the port. */
export function startServer(env: Record<string, string | undefined>, timeoutMs = 10_000): Promise<RunningServer> {
  const child = spawn(process.execPath, [SERVER_ENTRY], {
    cwd: emptyDir(),
    env: childEnv({ PORT: '0', ...env, LOG_LEVEL: 'info' }),
  });
  let out = '';
  let err = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`server did not start in ${timeoutMs} ms:\n${out}\n${err}`));
    }, timeoutMs);
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /"msg":"listening on port (\d+)"/.exec(out);
      if (match) {
        clearTimeout(timer);
        const port = Number(match[1]);
        resolve({ child, port, url: `http://127.0.0.1:${port}`, stdout: () => out, stderr: () => err, exited });
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before listening:\n${out}\n${err}`));
    });
  });
}
