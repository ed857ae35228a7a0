// Owns putting the egress policy in front of every TwiML response: each Twilio-facing request gets the gate,
// and sendTwiml refuses to write TwiML without it (fail closed). A document built per request is checked as
// it goes out; a refused one is never sent: the caller hears a short apology and <Hangup/> (messaging: an
// empty <Response/>), and one warn line names the route, the element and the reason, never the document.
import type { Request, RequestHandler, Response } from 'express';
import type { EgressPolicy } from '../policy/egress';
import { VettedTwiml } from '../policy/vetted';
import { publicOrigin } from '../http/publicUrl';
import type { TwimlKind } from '../http/twimlKind';

export const EGRESS_GATE = 'egressGate';

export interface EgressGate {
  /** The bytes to send for this document: itself when allowed, the refusal document of `kind` when not. */
  admit(doc: string | VettedTwiml, req: Request, kind: TwimlKind): Buffer;
}

export interface EgressGateOptions {
  readonly policy: EgressPolicy;
  readonly publicBaseUrl: string | undefined;
  /** What a refused voice document is replaced with (already vetted). */
  readonly refusedVoice: VettedTwiml;
  /** What a refused messaging document is replaced with (already vetted). */
  readonly refusedMessaging: VettedTwiml;
}

export function createEgressGate(options: EgressGateOptions): EgressGate {
  const { policy, publicBaseUrl } = options;
  return {
    admit(doc, req, kind) {
      if (doc instanceof VettedTwiml) return doc.bytes;
      const refusal = policy.check(doc, publicOrigin(req, publicBaseUrl));
      if (!refusal) return Buffer.from(doc, 'utf8');
      req.log.warn(
        { route: req.originalUrl.split('?')[0], element: refusal.element, reason: refusal.reason },
        'TwiML refused by the egress policy',
      );
      return (kind === 'messaging' ? options.refusedMessaging : options.refusedVoice).bytes;
    },
  };
}

/** Middleware: this request's TwiML goes through `gate`. */
export function egressGate(gate: EgressGate): RequestHandler {
  return (_req, res, next) => {
    res.locals[EGRESS_GATE] = gate;
    next();
  };
}

export function gateOf(res: Response): EgressGate | undefined {
  return res.locals[EGRESS_GATE] as EgressGate | undefined;
}
