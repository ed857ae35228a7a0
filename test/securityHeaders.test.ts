// The security headers are exactly what helmet() sets when applied to every request.
import express from 'express';
import helmet from 'helmet';
import request from 'supertest';
import { createApp } from '../src/app';
import { testConfig } from './support/config';
import { signedPost } from './support/signing';

/** Response headers minus the ones that differ by design (dates, lengths, ids, types). */
function securityOnly(headers: Record<string, string>): Record<string, string> {
  const skip = new Set(['date', 'connection', 'keep-alive', 'content-length', 'content-type', 'x-request-id', 'etag']);
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !skip.has(name)));
}

describe('when any response is sent', () => {
  it('then its security headers equal helmet() applied per request, on TwiML, JSON and 404 answers', async () => {
    const reference = express();
    reference.disable('x-powered-by');
    reference.use(helmet());
    reference.use((_req, res) => res.send('ok'));
    const expected = securityOnly((await request(reference).get('/')).headers as Record<string, string>);
    expect(Object.keys(expected).length).toBeGreaterThanOrEqual(10);

    const app = createApp(testConfig());
    for (const res of [
      await signedPost(app, '/voice', { CallSid: 'CA1' }),
      await request(app).get('/healthz'),
      await request(app).get('/nope'),
    ]) {
      expect(securityOnly(res.headers as Record<string, string>)).toEqual(expected);
    }
  });
});
