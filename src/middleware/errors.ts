// Owns the one error path: a 404 for unknown paths, and an error handler that answers in the caller's terms:
// TwiML for Twilio webhooks that passed the signature check, a bad twimlet parameter included (so a caller
// never hears "an application error has occurred", 11217: they hear a short apology, and the reason is
// logged), and JSON for everything else.
// Never HTML, never a stack trace.
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { twilioParams } from '../twilio/twilioParams';
import { sendTwiml } from '../http/twiml';
import { twimlKindOf } from '../http/twimlKind';
import { ServiceError, ValidationError } from '../services/errors';
import type { VettedTwiml } from '../policy/vetted';
import { TWILIO_TRUSTED } from './twilioSignature';

export const notFound: RequestHandler = (req, res) => {
  res.status(404).json({ error: 'not found', path: req.path });
};

interface ErrorLike {
  status?: unknown;
  statusCode?: unknown;
  expose?: unknown;
  message?: unknown;
}

function clientErrorStatus(err: ErrorLike): number | undefined {
  const status = typeof err.status === 'number' ? err.status : err.statusCode;
  return typeof status === 'number' && status >= 400 && status < 500 ? status : undefined;
}

/** What Twilio gets when its request failed: an apology and <Hangup/> for a call, no reply for a text. */
export interface Apologies {
  readonly voice: VettedTwiml;
  readonly messaging: VettedTwiml;
}

export function errorHandler(apologies: Apologies): ErrorRequestHandler {
  return (err: ErrorLike, req, res, next) => {
    if (res.headersSent) return next(err);
    // Service errors were logged where they happened; their JSON is safe to show.
    if (err instanceof ServiceError) return void res.status(err.httpStatus).json(err.toJSON());
    const kind = twimlKindOf(res);
    const fromTwilio = kind !== undefined && res.locals[TWILIO_TRUSTED] === true;
    const clientStatus = clientErrorStatus(err);
    if (clientStatus !== undefined) {
      // Bad input (malformed body, too large, invalid parameter): the reason is safe to show.
      const message = err.expose === true && typeof err.message === 'string' ? err.message : 'bad request';
      // The API answers bad input in its documented shape (kind invalid_request, the field at fault).
      if (!fromTwilio && clientStatus === 400 && req.originalUrl.startsWith('/api/')) {
        return void res.status(400).json(new ValidationError([{ field: 'body', message }]).toJSON());
      }
      if (!fromTwilio) return void res.status(clientStatus).json({ error: message });
      // The operator's URL is wrong: Twilio would only hear a 4xx as "application error". The reason goes
      // to the log (parameter names, never values), the caller hears an apology.
      req.log.warn({ status: clientStatus, reason: message }, 'twimlet parameter refused: answered with an apology');
      return sendTwiml(res, kind === 'voice' ? apologies.voice : apologies.messaging);
    }
    const { CallSid: callSid, MessageSid: messageSid } = twilioParams(req);
    req.log.error({ err, callSid, messageSid }, 'request failed');
    if (fromTwilio) {
      return sendTwiml(res, kind === 'voice' ? apologies.voice : apologies.messaging);
    }
    res.status(500).json({ error: 'internal error' });
  };
}
