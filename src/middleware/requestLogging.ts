// Owns the access log: one pino-http line per request with method, path, status, latency and Twilio sids,
// a request id (echoed as X-Request-Id), level by status, and no headers at all (so no secrets).
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestHandler } from 'express';
import { pinoHttp } from 'pino-http';
import type { Logger } from '../logger';

const SID_PARAMS = ['CallSid', 'MessageSid', 'RecordingSid', 'TranscriptionSid'] as const;
const SAFE_REQUEST_ID = /^[\w.-]{1,64}$/;

type Req = IncomingMessage & { body?: unknown; originalUrl?: string };

function twilioSids(req: Req): Record<string, string> {
  const sids: Record<string, string> = {};
  const body = req.body;
  if (typeof body !== 'object' || body === null) return sids;
  for (const name of SID_PARAMS) {
    const value = (body as Record<string, unknown>)[name];
    if (typeof value === 'string' && value.length <= 64) sids[name] = value;
  }
  return sids;
}

export function requestLogging(logger: Logger): RequestHandler {
  return pinoHttp<Req, ServerResponse>({
    logger,
    genReqId: (req, res) => {
      const given = req.headers['x-request-id'];
      const id = typeof given === 'string' && SAFE_REQUEST_ID.test(given) ? given : randomUUID();
      res.setHeader('X-Request-Id', id);
      return id;
    },
    customLogLevel: (req, res, err) => {
      if (err || res.statusCode >= 500) return 'error';
      if (res.statusCode >= 400) return 'warn';
      return req.url === '/healthz' ? 'debug' : 'info';
    },
    customProps: (req) => twilioSids(req),
    customSuccessMessage: (req, res, responseTime) =>
      `${req.method} ${(req.originalUrl ?? req.url ?? '').split('?')[0]} ${res.statusCode} ${Math.round(responseTime)}ms`,
    customErrorMessage: (req, res) =>
      `${req.method} ${(req.originalUrl ?? req.url ?? '').split('?')[0]} ${res.statusCode}`,
    serializers: {
      req: (req: { id?: unknown; method?: string; url?: string }) => ({
        id: req.id,
        method: req.method,
        path: (req.url ?? '').split('?')[0],
      }),
      res: (res: { statusCode?: number }) => ({ statusCode: res.statusCode }),
    },
  }) as unknown as RequestHandler;
}
