// Owns serving TwiML that depends only on config and the public origin. With PUBLIC_BASE_URL the origin is
// fixed, so each such document is built once (on first use) and then served from memory; without it the
// origin comes from each request's Host, so the document is built per request.
import type { Request } from 'express';
import { urlBuilder, type UrlFor } from './publicUrl';

/** A document for a request: kept as bytes when it is built once, so each send skips the conversion. */
export type TwimlFor = (req: Request) => string | Buffer;

export function twimlFor(publicBaseUrl: string | undefined, build: (url: UrlFor) => string): TwimlFor {
  if (!publicBaseUrl) return (req) => build(urlBuilder(req, undefined));
  let built: Buffer | undefined;
  return () =>
    (built ??= Buffer.from(
      build((path) => publicBaseUrl + path),
      'utf8',
    ));
}
