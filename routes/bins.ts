// Route for self-hosted TwiML Bins (templates in BINS_DIR, checked at start). Twilio fetches them like any
// webhook (GET or POST, signature-checked):
//   /bins/:name — the template filled with the request's parameters, XML-escaped; what it renders passes the
//                 egress policy like any other document
import type { RequestHandler } from 'express';
import type { Bin } from '../src/twiml/bins';
import { HttpError } from '../src/http/errors';
import { callParams, urlParams } from '../src/http/params';
import { sendTwiml } from '../src/http/twiml';
import { markTwimlKind, type TwimlKind } from '../src/http/twimlKind';
import type { WebhookInput } from '../src/http/webhookInput';

/** What the bin the input names renders for it, and the kind of TwiML that is; 404 for a name with no bin. */
export function renderBin(bins: ReadonlyMap<string, Bin>, input: WebhookInput): { kind: TwimlKind; twiml: string } {
  const name = String(input.params.name ?? '').toLowerCase();
  const bin = bins.get(name);
  if (!bin) throw new HttpError(404, `no TwiML Bin named "${name}"`);
  // Call data fills the template, and the operator's query wins over it: a body never replaces the URL.
  const twiml = bin.render({ ...callParams(input), ...urlParams(input) });
  return { kind: bin.kind === 'voice' ? 'voice' : 'messaging', twiml };
}

export function binHandler(bins: ReadonlyMap<string, Bin>): RequestHandler {
  return (req, res) => {
    const { kind, twiml } = renderBin(bins, req);
    markTwimlKind(res, kind);
    sendTwiml(res, twiml);
  };
}
