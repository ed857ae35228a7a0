// Owns building a curl command that Twilio could have sent: the URL, the form or JSON body, and an
// X-Twilio-Signature computed with the twilio package's own helpers.
import { getExpectedBodyHash, getExpectedTwilioSignature } from 'twilio';

export interface SignedRequest {
  readonly method: 'GET' | 'POST';
  /** Absolute URL without the parameters (they are added here). */
  readonly url: string;
  readonly params: ReadonlyArray<readonly [string, string]>;
  /** A JSON body: sent as is, signed through bodySHA256 in the URL (params are then not allowed). */
  readonly json?: string;
  /** Without a token the command is printed unsigned. */
  readonly authToken?: string;
}

/** Quotes for a POSIX shell: everything inside single quotes, each ' as '\''. */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

function appendQuery(url: string, query: string): string {
  if (!query) return url;
  return url + (url.includes('?') ? '&' : '?') + query;
}

function encodePairs(params: SignedRequest['params']): string {
  return params.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
}

/** The params as Twilio's signature helper expects them: repeated names become arrays. */
function paramObject(params: SignedRequest['params']): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of params) {
    const prev = out[k];
    out[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  return out;
}

export function signedCurl(request: SignedRequest): string {
  if (request.json !== undefined && (request.method !== 'POST' || request.params.length > 0)) {
    throw new Error('a JSON body goes with POST and no NAME=VALUE parameters');
  }
  let url = request.url;
  let bodyArgs: string[] = [];
  let signedParams: Record<string, string | string[]> = {};
  if (request.json !== undefined) {
    url = appendQuery(url, `bodySHA256=${getExpectedBodyHash(request.json)}`);
    bodyArgs = ['-H', shellQuote('Content-Type: application/json'), '--data-binary', shellQuote(request.json)];
  } else if (request.method === 'GET') {
    url = appendQuery(url, encodePairs(request.params));
  } else {
    signedParams = paramObject(request.params);
    // curl encodes the value after "=", not the name: encode the name here (Message[0] → Message%5B0%5D).
    bodyArgs = request.params.flatMap(([k, v]) => ['--data-urlencode', shellQuote(`${encodeURIComponent(k)}=${v}`)]);
    if (request.params.length === 0)
      bodyArgs = ['-H', shellQuote('Content-Type: application/x-www-form-urlencoded'), '--data', "''"];
  }
  const parts = [`curl -sS -g -X ${request.method} ${shellQuote(url)}`];
  if (request.authToken) {
    const signature = getExpectedTwilioSignature(request.authToken, url, signedParams);
    parts.push(`-H ${shellQuote(`X-Twilio-Signature: ${signature}`)}`);
  }
  for (let i = 0; i < bodyArgs.length; i += 2) parts.push(`${bodyArgs[i]} ${bodyArgs[i + 1]}`);
  return parts.join(' \\\n  ');
}
