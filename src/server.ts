// Process entry: loads .env and the config (exit 1 naming the bad variable), logs start-up warnings, migrates
// the store and replays its spool (exit 1 when the database is newer than this code), listens
// on PORT, and on SIGTERM/SIGINT stops accepting, lets in-flight requests finish (no keep-alive connection is reset:
// src/http/drain.ts), stops the background work,
// closes the database, and exits 0 (or 1 when draining outlasts SHUTDOWN_TIMEOUT_MS). A stray promise rejection is
// logged and the server serves on.
import http, { type Server } from 'node:http';
import { backgroundOf, createApp } from './app';
import type { BackgroundWork } from './services/background';
import { BinError } from './twiml/bins';
import { EgressRefusedError } from './policy/vetted';
import { createLogger, logsWritten, type Logger } from './logger';
import { configOrExit } from './processConfig';
import { maskCredentials } from './http/urlCredentials';
import { devBanner } from './devBanner';
import { drainOnClose } from './http/drain';
import { DatabaseTooNewError } from './store/migrations';
import { UnsupportedRuntimeError } from './store/database';

/** How long the last log lines may take to leave before the process exits anyway. */
const LOG_FLUSH_MS = 1_000;

/** Exits once the queued log lines have left, or failed to (stdout closed): see logsWritten. */
function exitAfterLogs(logger: Logger, code: number): void {
  void logsWritten(logger, LOG_FLUSH_MS).then(() => process.exit(code));
}

function shutDownOnSignals(server: Server, background: BackgroundWork, logger: Logger, timeoutMs: number): void {
  // Set up now: it counts the requests in flight on each connection from the first one.
  const drain = drainOnClose(server);
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'shutting down: no new connections, finishing in-flight requests');
    background.beginShutdown();
    drain.start((err) => {
      if (err) logger.error({ err }, 'error while closing the server');
      void background
        .stop()
        .catch((stopErr: unknown) => logger.error({ reason: (stopErr as Error).name }, 'error while closing the store'))
        .finally(() => {
          logger.info('stopped');
          exitAfterLogs(logger, err ? 1 : 0);
        });
    });
    setTimeout(() => {
      logger.error({ timeoutMs }, 'in-flight requests did not finish in time: exiting');
      exitAfterLogs(logger, 1);
    }, timeoutMs).unref();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

/**
 * A promise nobody awaited that rejects (a bug, or a library's stray callback) is logged by its kind and the
 * server keeps serving: one request's failure must not end every call in progress. Its message and stack are
 * left out, since they may carry what a caller sent. (A synchronous uncaught exception still ends the process,
 * as Node advises: its state is unknown; systemd, Docker and Compose restart it.)
 */
function keepServingOnStrayRejections(logger: Logger): void {
  process.on('unhandledRejection', (reason) => {
    const kind = reason instanceof Error ? reason.name : typeof reason;
    const code = (reason as { code?: unknown } | null)?.code;
    logger.error({ kind, ...(typeof code === 'string' ? { code } : {}) }, 'unhandled promise rejection (serving on)');
  });
}

async function main(): Promise<void> {
  const config = configOrExit();
  const logger = createLogger(config.logLevel);
  keepServingOnStrayRejections(logger);
  for (const warning of config.warnings) logger.warn(warning);
  let app;
  try {
    app = createApp(config, { logger });
  } catch (err) {
    // A broken TwiML Bin, a configured document that breaks the egress policy, or a Node too old for the
    // SQLite driver stops the start, naming the file, route or runtime and what is wrong.
    if (!(err instanceof BinError) && !(err instanceof EgressRefusedError) && !(err instanceof UnsupportedRuntimeError))
      throw err;
    process.stderr.write(`${err.message}\n`);
    process.exit(1);
  }
  const background = backgroundOf(app);
  try {
    await background.start();
  } catch (err) {
    // A database migrated by a newer version of this server: running on would corrupt it. (One that does not
    // answer does not stop the start: see BackgroundWork.start.)
    if (!(err instanceof DatabaseTooNewError)) throw err;
    process.stderr.write(`${err.message}\n`);
    process.exit(1);
  }
  // On a public port a client that sends slowly must not hold a socket for minutes (Node's defaults: 5 min for a
  // request, 1 min for its headers, checked every 30 s): bounded by REQUEST_TIMEOUT_MS, checked every second.
  const server = http.createServer(
    {
      requestTimeout: config.requestTimeoutMs,
      headersTimeout: Math.ceil(config.requestTimeoutMs / 3),
      connectionsCheckingInterval: 1_000,
    },
    app,
  );
  if (config.host === undefined) server.listen(config.port);
  else server.listen(config.port, config.host);
  server.on('listening', () => {
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    logger.info(
      {
        port,
        host: config.host ?? null,
        env: config.env,
        publicBaseUrl: config.publicBaseUrl ? maskCredentials(config.publicBaseUrl) : null,
      },
      `listening on port ${port}`,
    );
    // Development: a banner for people, on stderr (stdout keeps one JSON line per event).
    if (config.env === 'development') process.stderr.write(`${devBanner(config, port)}\n`);
  });
  server.on('error', (err: NodeJS.ErrnoException) => {
    const hint = err.code === 'EACCES' ? ' (ports below 1024 need root or CAP_NET_BIND_SERVICE)' : '';
    const message = `cannot listen on port ${config.port}: ${err.code ?? err.message}${hint}`;
    logger.fatal({ err }, message);
    // Visible whatever LOG_LEVEL says, like a config error: the process is about to exit.
    process.stderr.write(`${message}\n`);
    exitAfterLogs(logger, 1);
  });
  shutDownOnSignals(server, background, logger, config.shutdownTimeoutMs);
}

void main();
