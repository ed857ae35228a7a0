// Owns working out, inside this process and without any HTTP, the TwiML a route of ours would answer Twilio with:
// before an outbound call is placed with a `path`, the API asks the route's view what it answers for such a call
// (an input built as Twilio's request would be: POST, the path's query, the call's data, PUBLIC_BASE_URL's
// origin), and checks it with the egress policy the gate applies. A refused or failing document stops the call
// before Twilio is asked to place it (and bills a minute). Nothing else runs: no middleware, no store, no texts.
import querystring from 'node:querystring';
import type { Logger } from '../logger';
import type { EgressPolicy, Refusal } from '../policy/egress';
import { VettedTwiml } from '../policy/vetted';
import { HttpError } from './errors';
import { NO_CONTENT, type TwimlAnswer, type TwimlView } from './routing';
import type { WebhookInput } from './webhookInput';

export type PreviewResult =
  | { readonly kind: 'twiml'; readonly body: string }
  | { readonly kind: 'refused'; readonly refusal: Refusal }
  | { readonly kind: 'not-twiml'; readonly status: number; readonly reason: string }
  | { readonly kind: 'unknown-route' };

export interface TwimlPreviewOptions {
  /** The voice routes' views, by path. */
  readonly views: ReadonlyMap<string, TwimlView>;
  /** What /bins/:name renders for an input (throws HttpError 404 for an unknown name). */
  readonly renderBin: (input: WebhookInput) => { readonly twiml: string };
  readonly policy: EgressPolicy;
  /** PUBLIC_BASE_URL: the origin Twilio will fetch the path from. */
  readonly publicBaseUrl: string;
  readonly logger: Logger;
}

const BIN_PATH = /^\/bins\/([a-z0-9][a-z0-9_-]{0,63})$/i;

export type TwimlPreview = (path: string, params: Readonly<Record<string, string>>) => Promise<PreviewResult>;

export function createTwimlPreview(options: TwimlPreviewOptions): TwimlPreview {
  const base = new URL(options.publicBaseUrl);
  return async (path, params) => {
    const url = new URL(path, 'http://x');
    const bin = BIN_PATH.exec(url.pathname);
    const view: TwimlView | undefined = bin
      ? (input) => options.renderBin(input).twiml
      : options.views.get(url.pathname);
    if (!view) return { kind: 'unknown-route' };
    const refusals: Refusal[] = [];
    const input: WebhookInput = {
      method: 'POST',
      path: url.pathname,
      originalUrl: url.pathname + url.search,
      // As the app parses a query ('query parser': 'simple').
      query: querystring.parse(url.search.slice(1)),
      body: { ...params },
      params: bin ? { name: bin[1] } : {},
      protocol: base.protocol.slice(0, -1),
      host: base.host,
      log: options.logger,
      preview: true,
      onRefusal: (refusal) => refusals.push(refusal),
    };
    let answer: TwimlAnswer;
    try {
      answer = await view(input);
    } catch (err) {
      if (err instanceof HttpError) {
        return { kind: 'not-twiml', status: err.status, reason: `answers ${err.status}: ${err.message}` };
      }
      // Its kind only: a message can quote what the call carried.
      options.logger.error(
        { kind: (err as Error | null)?.name ?? typeof err, path: url.pathname },
        'preview of a route failed',
      );
      return { kind: 'not-twiml', status: 500, reason: 'answers 500: internal error' };
    }
    const [dropped] = refusals;
    if (dropped) return { kind: 'refused', refusal: dropped };
    if (answer === NO_CONTENT) return { kind: 'not-twiml', status: 204, reason: 'answers 204' };
    if (answer instanceof VettedTwiml) return { kind: 'twiml', body: answer.bytes.toString('utf8') };
    const refusal = options.policy.check(answer, options.publicBaseUrl);
    return refusal ? { kind: 'refused', refusal } : { kind: 'twiml', body: answer };
  };
}
