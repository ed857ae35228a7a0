// Owns the X-Twilio-Signature check for every Twilio-facing route: form POSTs (URL + sorted params),
// GETs (URL with query), and JSON bodies (URL carrying bodySHA256). Fails closed with 403 text/plain.
import type { RequestHandler, Request, Response } from 'express';
import { timingSafeEqual } from 'node:crypto';
import { getExpectedTwilioSignature, validateRequest, validateRequestWithBody } from 'twilio';
import { bodyKind } from '../http/contentType';
import { requestPublicUrl } from '../http/publicUrl';
import { stripCredentials } from '../http/urlCredentials';
import { diagnoseSignature, type SignatureDiagnosis } from '../http/signatureHints';

export interface SignatureCheckOptions {
  /** Off only in development without a token; the config module decides and warns. */
  readonly enabled: boolean;
  readonly authToken: string | undefined;
  readonly publicBaseUrl: string | undefined;
  /** TRUST_PROXY as configured: a failed check says when a proxy's headers were ignored because of it. */
  readonly trustProxy?: unknown;
}

/** res.locals flag: this request came from Twilio (or checking is deliberately off). */
export const TWILIO_TRUSTED = 'twilioTrusted';

const BODY_SHA256 = /[?&]bodySHA256=/;

function sameSignature(expected: string, given: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * The common case first: one HMAC over the URL exactly as configured. Only when that fails does
 * validateRequest try the other forms Twilio may have signed (with or without the default port).
 */
function formSignatureMatches(
  authToken: string,
  signature: string,
  url: string,
  params: Record<string, unknown>,
): boolean {
  return (
    sameSignature(getExpectedTwilioSignature(authToken, url, params), signature) ||
    validateRequest(authToken, signature, url, params)
  );
}

/** Returns why the request is not Twilio's, or undefined when the signature matches. */
function rejectionReason(req: Request, authToken: string, publicBaseUrl: string | undefined): string | undefined {
  // Plain header reads on this hot path: every webhook request passes here.
  const signature = req.headers['x-twilio-signature'];
  if (typeof signature !== 'string' || signature === '') return 'missing X-Twilio-Signature header';
  const url = requestPublicUrl(req, publicBaseUrl);
  // The body reader's own classification: the parameters checked here are exactly the ones it read.
  const kind = bodyKind(req.method, req.headers);
  try {
    if (BODY_SHA256.test(req.originalUrl)) {
      if (kind !== 'json' || req.rawBody === undefined) return 'bodySHA256 given but the body is not JSON';
      const body = req.rawBody;
      const signed = (u: string) => validateRequestWithBody(authToken, signature, u, body);
      return signed(url) || signed(stripCredentials(url)) ? undefined : 'signature or body hash does not match';
    }
    if (kind === 'json') return 'JSON body without bodySHA256 in the URL';
    // Fail closed: a body read by anything else would carry parameters no signature covered.
    if (kind === 'none' && req.body !== undefined) return 'a body the signature does not cover';
    const params = kind === 'form' ? (req.body as Record<string, unknown>) : {};
    if (formSignatureMatches(authToken, signature, url, params)) return undefined;
    // With user:password@ in the URL Twilio signs the URL as configured, credentials included; the same URL
    // without them is accepted too (an HMAC with the auth token either way).
    const bare = stripCredentials(url);
    return bare !== url && formSignatureMatches(authToken, signature, bare, params)
      ? undefined
      : 'signature does not match';
  } catch {
    // twilio's helpers parse the URL; a Host header that makes no URL is simply not a match.
    return 'request URL could not be rebuilt';
  }
}

function forbid(req: Request, res: Response, reason: string, diagnosis?: SignatureDiagnosis): void {
  // The expected signature, the token and the query stay out of the log: the URL checked (origin and path),
  // the reason and the likely cause are what a developer needs.
  const path = req.originalUrl.split('?')[0];
  req.log.warn({ path, method: req.method, reason, ...diagnosis }, 'rejected request: Twilio signature check failed');
  res.status(403).type('text/plain; charset=utf-8').send(`Forbidden: ${reason}\n`);
}

function diagnosisOf(req: Request, options: SignatureCheckOptions): SignatureDiagnosis | undefined {
  try {
    return diagnoseSignature(
      req,
      requestPublicUrl(req, options.publicBaseUrl),
      options.publicBaseUrl,
      options.trustProxy,
    );
  } catch {
    return undefined;
  }
}

export function twilioSignature(options: SignatureCheckOptions): RequestHandler {
  const { enabled, authToken, publicBaseUrl } = options;
  return (req, res, next) => {
    if (enabled && authToken) {
      const reason = rejectionReason(req, authToken, publicBaseUrl);
      if (reason) return forbid(req, res, reason, diagnosisOf(req, options));
    } else if (enabled) {
      return forbid(req, res, 'signature checking is on but no auth token is configured');
    }
    res.locals[TWILIO_TRUSTED] = true;
    next();
  };
}
