// Owns how TwiML goes on the wire: status 200, text/xml in UTF-8.
import type { Response } from 'express';

export function sendTwiml(res: Response, xml: string | Buffer): void {
  // Written directly: TwiML needs none of res.send()'s type sniffing, ETag or freshness checks, and this is
  // the hot path of every webhook (HEAD still gets headers only: Node drops the body itself).
  const body = typeof xml === 'string' ? Buffer.from(xml, 'utf8') : xml;
  res.statusCode = 200;
  res.setHeader('Content-Type', 'text/xml; charset=utf-8');
  res.setHeader('Content-Length', body.length);
  res.end(body);
}
