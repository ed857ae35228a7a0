// Owns how TwiML goes on the wire: status 200, text/xml in UTF-8.
import type { Response } from 'express';

export function sendTwiml(res: Response, xml: string): void {
  res.status(200).type('text/xml; charset=utf-8').send(xml);
}
