// Owns the one error path: a 404 for unknown paths, and an error handler that answers in the caller's terms:
// TwiML for Twilio webhooks that passed the signature check (so a caller never hears "application error"),
// JSON for everything else. Never HTML, never a stack trace.
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { callParams, param } from '../http/params';
import { sendTwiml } from '../http/twiml';
import { twimlKindOf } from '../http/twimlKind';
import { ServiceError } from '../services/errors';
import type { SayOptions } from '../../views/say';
import { apologyTwiml } from '../../views/voice';
import { messagingTwiml } from '../../views/sms';
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

export function errorHandler(say: SayOptions): ErrorRequestHandler {
  return (err: ErrorLike, req, res, next) => {
    if (res.headersSent) return next(err);
    // Service errors were logged where they happened; their JSON is safe to show.
    if (err instanceof ServiceError) return void res.status(err.httpStatus).json(err.toJSON());
    const clientStatus = clientErrorStatus(err);
    if (clientStatus !== undefined) {
      // Bad input (malformed body, too large, invalid parameter): the reason is safe to show.
      const message = err.expose === true && typeof err.message === 'string' ? err.message : 'bad request';
      return void res.status(clientStatus).json({ error: message });
    }
    const params = callParams(req);
    req.log.error(
      { err, callSid: param(params, 'CallSid'), messageSid: param(params, 'MessageSid') },
      'request failed',
    );
    const kind = twimlKindOf(res);
    if (kind && res.locals[TWILIO_TRUSTED] === true) {
      return sendTwiml(res, kind === 'voice' ? apologyTwiml(say) : messagingTwiml(undefined));
    }
    res.status(500).json({ error: 'internal error' });
  };
}
