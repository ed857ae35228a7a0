// Owns requests as Twilio sends them: form-encoded POST (or GET with the parameters in the query), an
// X-Twilio-Signature from the twilio package, Twilio's 15 s timeout and 64 kB limit, and failures reported
// with Twilio's error codes (11217 a 4xx or 5xx answer, 11205 connection failure or timeout, 11750 too large).
// A URL with user:password@ is fetched as Twilio does (HTTP authentication): first without credentials, and
// again with them once the answer is 401 with a Basic WWW-Authenticate challenge; the signature covers the URL
// as configured, credentials included. What is reported (steps, transcripts) never shows the password.
import { randomBytes } from 'node:crypto';
import { getExpectedTwilioSignature } from 'twilio';
import { basicAuthorization, stripCredentials } from '../http/urlCredentials';

export type Method = 'GET' | 'POST';
export type WebhookParams = Record<string, string>;

export interface WebhookRequest {
  readonly url: string;
  readonly method: Method;
  readonly params: WebhookParams;
  /** The token to sign with; without one the request goes unsigned. */
  readonly authToken?: string;
  readonly timeoutMs?: number;
  readonly headers?: Record<string, string>;
}

export interface WebhookAnswer {
  readonly ok: true;
  /** The URL that was requested (for GET, with the parameters in the query). */
  readonly url: string;
  readonly status: number;
  /** Media type without parameters, lower case ('' when absent). */
  readonly contentType: string;
  readonly body: string;
  readonly ms: number;
}

export interface WebhookFailure {
  readonly ok: false;
  readonly url: string;
  readonly code: number;
  readonly message: string;
  readonly status?: number;
  readonly ms: number;
}

export const TWILIO_TIMEOUT_MS = 15_000;
const MAX_BODY_BYTES = 64 * 1024;

export function methodOf(value: string | undefined, fallback: Method = 'POST'): Method {
  return value?.toUpperCase() === 'GET' ? 'GET' : value?.toUpperCase() === 'POST' ? 'POST' : fallback;
}

/** The Basic credentials of a URL with user:password@, and the URL without them (what is fetched and shown). */
function splitCredentials(url: string): { bare: string; authorization?: string } {
  const bare = stripCredentials(url);
  if (bare === url) return { bare };
  const { username, password } = new URL(url);
  return { bare, authorization: basicAuthorization(decodeURIComponent(username), decodeURIComponent(password)) };
}

export async function sendWebhook(request: WebhookRequest): Promise<WebhookAnswer | WebhookFailure> {
  const started = Date.now();
  const query = new URLSearchParams(request.params).toString();
  const signedUrl =
    request.method === 'GET' && query ? `${request.url}${request.url.includes('?') ? '&' : '?'}${query}` : request.url;
  const { bare: url, authorization } = splitCredentials(signedUrl);
  const headers: Record<string, string> = {
    'User-Agent': 'TwilioProxy/1.1 (twiml-server simulator)',
    // Twilio marks every webhook request with a token its retries repeat.
    'I-Twilio-Idempotency-Token': randomBytes(16).toString('hex'),
    ...request.headers,
  };
  if (request.authToken) {
    headers['X-Twilio-Signature'] = getExpectedTwilioSignature(
      request.authToken,
      signedUrl,
      request.method === 'POST' ? request.params : {},
    );
  }
  if (request.method === 'POST') headers['Content-Type'] = 'application/x-www-form-urlencoded; charset=utf-8';
  const fail = (code: number, message: string, status?: number): WebhookFailure => ({
    ok: false,
    url,
    code,
    message,
    status,
    ms: Date.now() - started,
  });

  const signal = AbortSignal.timeout(request.timeoutMs ?? TWILIO_TIMEOUT_MS);
  const send = (extra: Record<string, string>) =>
    fetch(url, {
      method: request.method,
      headers: { ...headers, ...extra },
      body: request.method === 'POST' ? query : undefined,
      signal,
    });
  let res: Response;
  try {
    res = await send({});
    if (authorization && res.status === 401 && /^Basic\b/i.test(res.headers.get('www-authenticate') ?? '')) {
      await res.body?.cancel();
      res = await send({ Authorization: authorization });
    }
  } catch (err) {
    const name = (err as Error).name;
    if (name === 'TimeoutError' || name === 'AbortError') {
      return fail(11205, `HTTP connection failure: no answer within ${request.timeoutMs ?? TWILIO_TIMEOUT_MS} ms`);
    }
    const cause = (err as { cause?: { code?: string } }).cause?.code;
    return fail(11205, `HTTP connection failure: ${cause ?? (err as Error).message}`);
  }
  const body = await res.text();
  if (Buffer.byteLength(body) > MAX_BODY_BYTES)
    return fail(11750, 'TwiML response body too large (over 64 kB)', res.status);
  if (res.status < 200 || res.status > 299) {
    // 11217, "HTTP error response code": "your server responded with a 4xx or 5xx status code" (Twilio's error
    // dictionary; older debugger entries called it 11200, "HTTP retrieval failure").
    return fail(11217, `HTTP error response code: ${res.status} ${res.statusText}`.trim(), res.status);
  }
  const contentType = (res.headers.get('content-type') ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  return { ok: true, url, status: res.status, contentType, body, ms: Date.now() - started };
}
