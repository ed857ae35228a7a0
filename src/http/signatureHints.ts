// Owns explaining a failed signature check to the developer: which URL was checked (origin and path; never the
// query, the token or a signature) and, where the request shows it, the likely cause — the request reached
// another host or port than PUBLIC_BASE_URL names, came over another scheme, or through a proxy whose
// X-Forwarded-* headers are ignored because TRUST_PROXY is off. Runs only on the failure path.
import type { Request } from 'express';
import { maskCredentials } from './urlCredentials';

export interface SignatureDiagnosis {
  /** The URL the signature was checked against, without its query. */
  readonly checkedUrl: string;
  readonly hint?: string;
}

const first = (value: string | string[] | undefined): string | undefined =>
  (Array.isArray(value) ? value[0] : value)?.split(',')[0]?.trim() || undefined;

export function diagnoseSignature(
  req: Request,
  checkedUrl: string,
  publicBaseUrl: string | undefined,
  trustProxy: unknown,
): SignatureDiagnosis {
  const checked = new URL(checkedUrl);
  const shown = maskCredentials(`${checked.origin}${checked.pathname}`);
  const forwardedProto = first(req.headers['x-forwarded-proto']);
  const forwardedHost = first(req.headers['x-forwarded-host']);
  const host = req.headers.host;
  const proxyIgnored = trustProxy === false && (forwardedProto !== undefined || forwardedHost !== undefined);

  if (!publicBaseUrl && proxyIgnored) {
    return {
      checkedUrl: shown,
      hint: `a proxy sent X-Forwarded-${forwardedProto ? 'Proto' : 'Host'} (${forwardedProto ?? forwardedHost}), which is ignored because TRUST_PROXY is off: set PUBLIC_BASE_URL to the URL Twilio calls (or TRUST_PROXY to the proxy)`,
    };
  }
  if (publicBaseUrl) {
    const publicHost = checked.host;
    const publicScheme = checked.protocol.slice(0, -1);
    const arrivedHost = forwardedHost ?? host;
    if (arrivedHost && arrivedHost.toLowerCase() !== publicHost.toLowerCase()) {
      return {
        checkedUrl: shown,
        hint: `the request reached ${arrivedHost} but PUBLIC_BASE_URL names ${publicHost}: Twilio signs the URL it called, so PUBLIC_BASE_URL must be exactly that origin`,
      };
    }
    if (forwardedProto && forwardedProto !== publicScheme) {
      return {
        checkedUrl: shown,
        hint: `the request came over ${forwardedProto} (X-Forwarded-Proto) but PUBLIC_BASE_URL is ${publicScheme}: use the scheme Twilio calls`,
      };
    }
  }
  return { checkedUrl: shown };
}
