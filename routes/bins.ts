// Route for self-hosted TwiML Bins (templates in BINS_DIR, checked at start). Twilio fetches them like any
// webhook (GET or POST, signature-checked):
//   /bins/:name — the template filled with the request's parameters, XML-escaped
import type { RequestHandler } from 'express';
import type { Bin } from '../src/bins';
import { twilioParams } from '../src/http/params';
import { sendTwiml } from '../src/http/twiml';
import { markTwimlKind } from '../src/middleware/errors';

export function binHandler(bins: ReadonlyMap<string, Bin>): RequestHandler {
  return (req, res) => {
    const name = String(req.params.name ?? '').toLowerCase();
    const bin = bins.get(name);
    if (!bin) return void res.status(404).json({ error: `no TwiML Bin named "${name}"` });
    markTwimlKind(res, bin.kind === 'voice' ? 'voice' : 'messaging');
    sendTwiml(res, bin.render(twilioParams(req)));
  };
}
