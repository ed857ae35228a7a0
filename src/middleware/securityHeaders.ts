// Owns the security headers on every response: exactly helmet's defaults. helmet's middleware is run once,
// at start, against a recording response; each response then gets the recorded set in one call. With its
// default options every helmet header is static, and test/securityHeaders.test.ts checks the result is
// identical to helmet() applied per request. Measured with npm run bench: a few percent of throughput.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestHandler } from 'express';
import helmet from 'helmet';

type HeaderValue = string | number | readonly string[];

function recordHelmetHeaders(): Map<string, HeaderValue> {
  const headers = new Map<string, HeaderValue>();
  const recorder = {
    setHeader: (name: string, value: HeaderValue) => void headers.set(name, value),
    removeHeader: (name: string) => void headers.delete(name),
    getHeader: (name: string) => headers.get(name),
  };
  let finished = false;
  helmet()({} as IncomingMessage, recorder as unknown as ServerResponse, () => {
    finished = true;
  });
  if (!finished) throw new Error('helmet did not finish synchronously: its headers cannot be precomputed');
  return headers;
}

export function securityHeaders(): RequestHandler {
  const headers = recordHelmetHeaders();
  return (_req, res, next) => {
    res.setHeaders(headers as Map<string, string>);
    next();
  };
}
