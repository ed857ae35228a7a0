// Owns reading a request body once, under the size limit: form bodies are parsed flat (Message[0] stays a key,
// repeats become arrays, as Twilio signs them), JSON bodies are kept raw (for bodySHA256) and parsed. Errors
// carry the status to answer: 413 too large or too many parameters, 415 unsupported charset or encoding,
// 400 malformed JSON or an aborted upload.
//
// Hand-written rather than body-parser's urlencoded + json: on the webhook hot path, measured with
// npm run bench, two parsers (each with its own type detection and stream plumbing) cost about a sixth of
// this server's throughput; one reader that looks at the type once costs a fraction of that.
import type { Request, RequestHandler } from 'express';
import { bodyKind, type BodyKind } from './contentType';
import { HttpError } from './errors';

const CHARSET = /;\s*charset\s*=\s*"?([\w-]+)"?/i;
const UTF8 = new Set(['utf-8', 'utf8', 'us-ascii']);
const MAX_PARAMETERS = 1000;

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** A JSON body exactly as received, for Twilio's bodySHA256 check. */
      rawBody?: string;
    }
  }
}

type Kind = Exclude<BodyKind, 'none'>;

/** Problems visible in the headers alone, before any byte of the body is read. */
function headerProblem(req: Request, limit: number): HttpError | undefined {
  const charset = CHARSET.exec(req.headers['content-type'] ?? '')?.[1]?.toLowerCase();
  if (charset && !UTF8.has(charset)) return new HttpError(415, `unsupported charset "${charset.toUpperCase()}"`);
  const encoding = req.headers['content-encoding'];
  if (encoding && encoding.toLowerCase() !== 'identity') {
    return new HttpError(415, `unsupported content encoding "${encoding}"`);
  }
  const length = Number(req.headers['content-length']);
  if (length > limit) return new HttpError(413, 'request entity too large');
  return undefined;
}

/**
 * Form parameters in an object without a prototype (a "__proto__" key is just a key), repeated names as
 * arrays; undefined when there are more than MAX_PARAMETERS pairs.
 */
function formParams(text: string): Record<string, string | string[]> | undefined {
  const params = Object.create(null) as Record<string, string | string[]>;
  let pairs = 0;
  for (const [key, value] of new URLSearchParams(text)) {
    if (++pairs > MAX_PARAMETERS) return undefined;
    const previous = params[key];
    if (previous === undefined) params[key] = value;
    else if (Array.isArray(previous)) previous.push(value);
    else params[key] = [previous, value];
  }
  return params;
}

function parse(kind: Kind, text: string, req: Request): HttpError | undefined {
  if (kind === 'form') {
    const params = formParams(text);
    if (!params) return new HttpError(413, 'too many parameters');
    req.body = params;
    return undefined;
  }
  req.rawBody = text;
  if (text.trim() === '') {
    req.body = {};
    return undefined;
  }
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== 'object' || value === null)
      return new HttpError(400, 'JSON body must be an object or an array');
    req.body = value;
    return undefined;
  } catch {
    return new HttpError(400, 'malformed JSON body');
  }
}

/** Reads form and JSON bodies (other types are left unread, req.body undefined). */
export function bodyReader(limitBytes: number): RequestHandler {
  return (req, _res, next) => {
    // The same classification the signature check uses: what is read here is exactly what it verifies.
    const kind = bodyKind(req.method, req.headers);
    if (kind === 'none') return next();
    const early = headerProblem(req, limitBytes);
    if (early) return next(early);

    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (err?: HttpError) => {
      if (done) return;
      done = true;
      req.removeListener('data', onData);
      req.removeListener('end', onEnd);
      req.removeListener('error', onError);
      req.removeListener('aborted', onAborted);
      if (err) {
        // Stop reading an oversized or broken upload; the error answer closes the exchange.
        req.resume();
        return next(err);
      }
      next(parse(kind, Buffer.concat(chunks, size).toString('utf8'), req));
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limitBytes) return finish(new HttpError(413, 'request entity too large'));
      chunks.push(chunk);
    };
    const onEnd = () => finish();
    const onError = () => finish(new HttpError(400, 'request body could not be read'));
    const onAborted = () => finish(new HttpError(400, 'request aborted'));
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('aborted', onAborted);
  };
}
