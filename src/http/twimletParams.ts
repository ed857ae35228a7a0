// Owns reading the parameters the twimlets share: Voice/Language, Timeout, FailUrl, and a twimlet's own URL
// (with only its own parameters) for actions and callbacks.
import type { Request } from 'express';
import type { SayOptions } from '../../views/say';
import { LANGUAGE_TAG, SAY_VOICE } from '../formats';
import { badRequest } from './errors';
import { param, type Params } from './params';
import { urlBuilder } from './publicUrl';

/** Voice and Language from the URL, falling back to the configured ones; a malformed value is a 400. */
export function sayOptionsFrom(params: Params, defaults: SayOptions): SayOptions {
  const voice = param(params, 'Voice')?.trim() || undefined;
  const language = param(params, 'Language')?.trim() || undefined;
  if (voice && !SAY_VOICE.test(voice))
    throw badRequest('Voice must be a Twilio voice name such as alice or Polly.Joanna');
  if (language && !LANGUAGE_TAG.test(language)) throw badRequest('Language must be a language tag such as en-US');
  return { voice: voice ?? defaults.voice, language: language ?? defaults.language };
}

export function timeoutFrom(params: Params, fallback: number): number {
  const raw = param(params, 'Timeout')?.trim();
  if (!raw) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 600)
    throw badRequest('Timeout must be a whole number of seconds from 1 to 600');
  return n;
}

/** FailUrl (absolute http(s), or a path on this server), resolved and normalised; undefined when not given. */
export function failUrlFrom(req: Request, params: Params, base: string | undefined): string | undefined {
  const raw = param(params, 'FailUrl')?.trim();
  if (!raw) return undefined;
  const absolute = /^https?:\/\//i.test(raw)
    ? raw
    : raw.startsWith('/') && !raw.startsWith('//')
      ? urlBuilder(req, base)(raw)
      : undefined;
  try {
    if (absolute) return new URL(absolute).toString();
  } catch {
    // falls through to the 400 below
  }
  throw badRequest('FailUrl must be an http(s) URL or a path starting with /');
}

/** A twimlet's own URL with only its own parameters (a GET webhook's query also carries Twilio's). */
export function selfUrl(req: Request, base: string | undefined, path: string, query: Array<[string, string]>): string {
  const search = new URLSearchParams(query).toString();
  return urlBuilder(req, base)(search ? `${path}?${search}` : path);
}

/** Only the digits of a phone number as written: how twimlets compare callers with lists. */
export const digitsOf = (s: string): string => s.replace(/\D/g, '');
