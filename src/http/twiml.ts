// Owns how TwiML goes on the wire: status 200, text/xml in UTF-8, and only through the egress gate, so no
// route can send a document the egress policy has not seen.
import type { Response } from 'express';
import { gateOf } from '../middleware/egressGate';
import { twimlKindOf } from './twimlKind';
import type { VettedTwiml } from '../policy/vetted';

export function sendTwiml(res: Response, doc: string | VettedTwiml): void {
  const gate = gateOf(res);
  // A route mounted without the gate is a programming error: fail closed, never send unchecked TwiML.
  if (!gate) throw new Error('TwiML response outside the egress gate');
  const kind = twimlKindOf(res) ?? 'voice';
  // Written directly: TwiML needs none of res.send()'s type sniffing, ETag or freshness checks, and this is
  // the hot path of every webhook (HEAD still gets headers only: Node drops the body itself).
  const body = gate.admit(doc, res.req, kind);
  res.statusCode = 200;
  res.setHeader('Content-Type', 'text/xml; charset=utf-8');
  res.setHeader('Content-Length', body.length);
  res.end(body);
}
