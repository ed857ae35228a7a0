// Route for self-hosted TwiML Bins (templates in BINS_DIR, checked at start). Twilio fetches them like any
// webhook (GET or POST, signature-checked):
//   /bins/:name — the template filled with the request's parameters, XML-escaped; what it renders passes the
//                 egress policy like any other document
import type { RequestHandler } from 'express';
import type { Bin } from '../src/bins';
import { callParams, urlParams } from '../src/http/params';
import { sendTwiml } from '../src/http/twiml';
import { markTwimlKind } from '../src/http/twimlKind';

export function binHandler(bins: ReadonlyMap<string, Bin>): RequestHandler {
  return (req, res) => {
    const name = String(req.params.name ?? '').toLowerCase();
    const bin = bins.get(name);
    if (!bin) return void res.status(404).json({ error: `no TwiML Bin named "${name}"` });
    markTwimlKind(res, bin.kind === 'voice' ? 'voice' : 'messaging');
    // Call data fills the template, and the operator's query wins over it: a body never replaces the URL.
    sendTwiml(res, bin.render({ ...callParams(req), ...urlParams(req) }));
  };
}
