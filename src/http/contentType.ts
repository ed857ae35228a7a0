// Owns the one classification of a request body by its Content-Type and method: the body reader parses by
// it, and the signature check decides by it which parameters Twilio signed, so the two can never disagree
// about whether a body is signed form data, a JSON document (bodySHA256) or nothing to read.
import type { IncomingHttpHeaders } from 'node:http';

/** form: urlencoded parameters (signed one by one); json: a body signed through bodySHA256; none: not read. */
export type BodyKind = 'form' | 'json' | 'none';

/** The media type alone, anchored: "application/x-www-form-urlencoded", optionally with parameters. */
const FORM = /^application\/x-www-form-urlencoded[ \t]*(;|$)/i;
/** application/json and any +json type (application/vnd.x+json), optionally with parameters. */
const JSON_TYPE = /^application\/([\w.+-]+\+)?json[ \t]*(;|$)/i;

/** Bodies are read only for methods that carry them: a GET, HEAD or anything else is never read. */
const WITH_BODY = new Set(['POST']);

export function bodyKind(method: string, headers: IncomingHttpHeaders): BodyKind {
  if (!WITH_BODY.has(method)) return 'none';
  const type = headers['content-type'];
  if (type === undefined) return 'none';
  if (FORM.test(type)) return 'form';
  if (JSON_TYPE.test(type)) return 'json';
  return 'none';
}
