// Owns the access log: one line per request when the response finishes, with method, path, status, latency,
// a request id (echoed as X-Request-Id) and the Twilio sids; level by status (5xx error, 4xx warn); no
// headers, so no secrets. req.log is a child logger carrying the request id, made only when code logs.
//
// Hand-written rather than pino-http: measured with npm run bench, pino-http (even with a quiet request
// logger and no serializer wrapping) cost a third of this server's throughput; this costs about a tenth.
import { randomBytes } from 'node:crypto';
import type { Express, Request, RequestHandler } from 'express';
import { unredactedSibling, type Logger } from '../logger';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** The request id: X-Request-Id when the caller sent a safe one, else generated. */
      id: string;
      /** A logger whose lines carry this request's id. */
      log: Logger;
    }
  }
}

const SID_PARAMS = ['CallSid', 'MessageSid', 'RecordingSid', 'TranscriptionSid'] as const;
const SAFE_REQUEST_ID = /^[\w.-]{1,64}$/;

function twilioSids(req: Request, line: Record<string, unknown>): void {
  const body = req.body as Record<string, unknown> | undefined;
  if (typeof body !== 'object' || body === null) return;
  for (const name of SID_PARAMS) {
    const value = body[name];
    if (typeof value === 'string' && value.length <= 64) line[name] = value;
  }
}

/** Makes req.log a child logger with the request id, created on first use, for this app's requests. */
function defineRequestLog(app: Express, logger: Logger): void {
  const children = new WeakMap<Request, Logger>();
  Object.defineProperty(app.request, 'log', {
    configurable: true,
    get(this: Request): Logger {
      let child = children.get(this);
      if (!child) children.set(this, (child = logger.child({ reqId: this.id })));
      return child;
    },
  });
}

export function requestLogging(logger: Logger, app: Express): RequestHandler {
  defineRequestLog(app, logger);
  // Access lines hold only the fields below, none of them secret: they skip the redaction pass.
  const accessLog = unredactedSibling(logger);
  // Unique per process start, then a counter: as unique as a UUID for our purpose, and nearly free.
  const prefix = randomBytes(4).toString('hex');
  let counter = 0;
  return (req, res, next) => {
    const started = performance.now();
    const given = req.headers['x-request-id'];
    const id =
      typeof given === 'string' && SAFE_REQUEST_ID.test(given) ? given : `${prefix}-${(++counter).toString(36)}`;
    req.id = id;
    res.setHeader('X-Request-Id', id);
    res.once('finish', () => {
      const status = res.statusCode;
      const url = req.originalUrl;
      const query = url.indexOf('?');
      const path = query === -1 ? url : url.slice(0, query);
      const level = status >= 500 ? 'error' : status >= 400 ? 'warn' : path === '/healthz' ? 'debug' : 'info';
      if (!accessLog.isLevelEnabled(level)) return;
      const ms = Math.round(performance.now() - started);
      const line: Record<string, unknown> = { reqId: id, method: req.method, path, status, responseTime: ms };
      twilioSids(req, line);
      accessLog[level](line, 'request completed');
    });
    next();
  };
}
