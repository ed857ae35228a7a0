// Owns what a webhook's view reads of the request it answers: the method, the path and query the operator wrote,
// the call data Twilio sent, the origin it was addressed to, where to log, and two hooks for a preview (answer as
// for a call and do nothing else; hear of each dial target the toll-fraud guard drops). Express's Request is one;
// the API's preview of a path builds one without any HTTP (src/http/twimlPreview.ts).
import type { Logger } from '../logger';
import type { Refusal } from '../policy/egress';

export interface WebhookInput {
  readonly method: string;
  /** The path the route matched, without the query. */
  readonly path: string;
  /** Path and query as requested. */
  readonly originalUrl: string;
  /** The URL's query, parsed as the app parses it (Node's querystring). */
  readonly query: unknown;
  /** The call data of a POST (form fields). */
  readonly body: unknown;
  /** The route's own parameters (/bins/:name). */
  readonly params: Readonly<Record<string, unknown>>;
  readonly protocol: string;
  readonly host: string;
  readonly log: Logger;
  /** A preview: answer as for a call and do nothing else (nobody is texted). */
  readonly preview?: boolean;
  /** Told of each dial target the toll-fraud guard drops from the document. */
  readonly onRefusal?: (refusal: Refusal) => void;
}
