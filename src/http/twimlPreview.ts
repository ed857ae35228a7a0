// Owns fetching, inside this process, the TwiML a route of ours would answer Twilio with: before an outbound
// call is placed with a `path`, the API asks what that route answers for such a call, signed exactly as Twilio
// would sign it, through every middleware (signature, egress gate). A refused or failing document stops the
// call before Twilio is asked to place it (and bills a minute). The request is injected with light-my-request
// (Fastify's in-process HTTP injector) rather than sent over a socket: no port, no hairpin through the
// public address.
import type { Express, Request } from 'express';
import type { ServerResponse } from 'node:http';
import { inject } from 'light-my-request';
import { getExpectedTwilioSignature } from 'twilio';
import type { Refusal } from '../policy/egress';
import { basicAuthorization } from './urlCredentials';

/** Marks the injected request, so routes with side effects (texts, e-mails) skip them for a preview. */
const PREVIEW = Symbol('twiml preview');

export function isPreview(req: Request): boolean {
  return (req as unknown as Record<symbol, unknown>)[PREVIEW] === true;
}

const REFUSAL = Symbol('egress refusal');

/** Called by the egress gate: what it refused on this response, for a preview to report. */
export function recordRefusal(res: ServerResponse, refusal: Refusal): void {
  (res as unknown as Record<symbol, unknown>)[REFUSAL] = refusal;
}

export type PreviewResult =
  | { readonly kind: 'twiml'; readonly body: string }
  | { readonly kind: 'refused'; readonly refusal: Refusal }
  | { readonly kind: 'not-twiml'; readonly status: number; readonly reason: string };

export interface TwimlPreviewOptions {
  /** PUBLIC_BASE_URL: the origin Twilio will fetch the path from (and the signature covers). */
  readonly publicBaseUrl: string;
  /** Signs the preview as Twilio would; undefined when signatures are not checked. */
  readonly authToken: string | undefined;
  /** The HTTP authentication Twilio would present (from PUBLIC_BASE_URL), if any. */
  readonly credentials?: { readonly username: string; readonly password: string };
}

/** The `error` of a JSON answer (our routes' 4xx reasons), else the status. */
function errorOf(payload: string, status: number): string {
  try {
    const error = (JSON.parse(payload) as { error?: unknown }).error;
    if (typeof error === 'string') return `answers ${status}: ${error}`;
  } catch {
    // not JSON: the status says enough
  }
  return `answers ${status}`;
}

export type TwimlPreview = (path: string, params: Readonly<Record<string, string>>) => Promise<PreviewResult>;

export function createTwimlPreview(app: () => Express, options: TwimlPreviewOptions): TwimlPreview {
  return async (path, params) => {
    const body = new URLSearchParams(params).toString();
    const headers: Record<string, string> = {
      'content-type': 'application/x-www-form-urlencoded',
      host: new URL(options.publicBaseUrl).host,
    };
    if (options.credentials) {
      headers.authorization = basicAuthorization(options.credentials.username, options.credentials.password);
    }
    if (options.authToken) {
      headers['x-twilio-signature'] = getExpectedTwilioSignature(options.authToken, options.publicBaseUrl + path, {
        ...params,
      });
    }
    let response: ServerResponse | undefined;
    const answer = await inject(
      (req, res) => {
        (req as unknown as Record<symbol, unknown>)[PREVIEW] = true;
        // Express re-parents the response's prototype; the injector's own writers must stay the instance's.
        for (const method of ['write', 'end', 'writeHead'] as const) {
          (res as unknown as Record<string, unknown>)[method] = res[method].bind(res);
        }
        response = res;
        app()(req as Request, res as never);
      },
      { method: 'POST', url: path, headers, payload: body },
    );
    const refusal = response && (response as unknown as Record<symbol, Refusal | undefined>)[REFUSAL];
    if (refusal) return { kind: 'refused', refusal };
    const type = String(answer.headers['content-type'] ?? '');
    if (answer.statusCode !== 200 || !type.startsWith('text/xml')) {
      return { kind: 'not-twiml', status: answer.statusCode, reason: errorOf(answer.payload, answer.statusCode) };
    }
    return { kind: 'twiml', body: answer.payload };
  };
}
