// Sends requests the way Twilio does: form-encoded POSTs or GETs, signed with the twilio package's helper.
import type { Express } from 'express';
import request from 'supertest';
import { getExpectedBodyHash, getExpectedTwilioSignature } from 'twilio';
import { PUBLIC_BASE, TEST_AUTH_TOKEN } from './config';

export type Params = Record<string, string | string[]>;

export interface SignOptions {
  /** The origin the signature is computed for (what Twilio believes it called). */
  readonly base?: string;
  readonly token?: string;
}

export function signatureFor(url: string, params: Params, options: SignOptions = {}): string {
  return getExpectedTwilioSignature(options.token ?? TEST_AUTH_TOKEN, url, params);
}

function formBody(params: Params): string {
  const search = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) for (const one of Array.isArray(v) ? v : [v]) search.append(k, one);
  return search.toString();
}

/** POST path (which may carry a query) with a form body, signed for base + path. */
export function signedPost(app: Express, path: string, params: Params = {}, options: SignOptions = {}) {
  const signature = signatureFor((options.base ?? PUBLIC_BASE) + path, params, options);
  return request(app).post(path).set('X-Twilio-Signature', signature).type('form').send(formBody(params));
}

/** GET path + query built from params, signed over the full URL (no body params). */
export function signedGet(app: Express, path: string, params: Params = {}, options: SignOptions = {}) {
  const query = formBody(params);
  const fullPath = query ? `${path}${path.includes('?') ? '&' : '?'}${query}` : path;
  const signature = signatureFor((options.base ?? PUBLIC_BASE) + fullPath, {}, options);
  return request(app).get(fullPath).set('X-Twilio-Signature', signature);
}

/** POST a JSON body signed the way Twilio signs JSON: bodySHA256 in the URL, URL-only signature. */
export function signedJson(app: Express, path: string, body: string, options: SignOptions = {}) {
  const fullPath = `${path}${path.includes('?') ? '&' : '?'}bodySHA256=${getExpectedBodyHash(body)}`;
  const signature = signatureFor((options.base ?? PUBLIC_BASE) + fullPath, {}, options);
  return request(app).post(fullPath).set('X-Twilio-Signature', signature).type('application/json').send(body);
}
