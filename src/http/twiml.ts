// Owns how TwiML goes on the wire: status 200, text/xml in UTF-8.
import type { Response } from 'express';

export function sendTwiml(res: Response, xml: string | Buffer): void {
  // The type is set in full by hand: res.type() would look it up, and send() would not add a charset to bytes.
  res.status(200).set('Content-Type', 'text/xml; charset=utf-8').send(xml);
}
