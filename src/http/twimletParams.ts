// Owns reading the parameters the twimlets share: what each reads first (its URL's parameters, the call, the
// voice), Voice/Language, Timeout, FailUrl, and a twimlet's own URL (with only its own parameters) for actions and
// callbacks.
import type { WebhookInput } from './webhookInput';
import type { SayOptions } from '../../views/say';
import { DIAL_TIMEOUT, LANGUAGE_TAG, SAY_VOICE } from '../formats';
import { badRequest } from './errors';
import { param, urlParams, type Params } from './params';
import type { TwimlAnswer, TwimlView } from './routing';
import { twilioParams, type TwilioParams } from '../twilio/twilioParams';
import { urlBuilder } from './publicUrl';

/** Anything that can be a voice name Twilio knows or will know: passed on, and Twilio decides. */
const VOICE_TOKEN = /^[\w.:-]{1,64}$/;

/**
 * Voice and Language from the URL, falling back to the configured ones. As twimlets.com, a value we do not
 * recognise never fails the call: an unknown voice name (a token such as "man" or a new Polly voice) goes to
 * Twilio as written; a malformed language tag is ignored.
 */
export function sayOptionsFrom(params: Params, defaults: SayOptions): SayOptions {
  const voice = param(params, 'Voice')?.trim() || undefined;
  const language = param(params, 'Language')?.trim() || undefined;
  return {
    voice: voice && (SAY_VOICE.test(voice) || VOICE_TOKEN.test(voice)) ? voice : defaults.voice,
    language: language && LANGUAGE_TAG.test(language) ? language : defaults.language,
  };
}

/**
 * Timeout for a twimlet's <Dial>: whole seconds, 1–4 raised to Twilio's minimum of 5; anything else (not a
 * number, 0, above 600) is the twimlet's default, as twimlets.com passes it to Twilio, which ignores it.
 */
export function timeoutFrom(params: Params, fallback: number): number {
  const raw = param(params, 'Timeout')?.trim();
  if (!raw || !/^\d{1,4}$/.test(raw)) return fallback;
  const n = Number(raw);
  if (n < 1 || n > DIAL_TIMEOUT.max) return fallback;
  return Math.max(DIAL_TIMEOUT.min, n);
}

/**
 * A URL a twimlet hands the call to (FailUrl, a menu option), resolved as twimlets.com's was: a relative one
 * against the twimlet's own URL ("voicemail?Email=…" from /twiml/forward is /twiml/voicemail); a path from the
 * root ("/voice") on this server's public base URL, path prefix included. Undefined unless http(s).
 */
export function resolveTwimletUrl(req: WebhookInput, base: string | undefined, raw: string): string | undefined {
  const urlFor = urlBuilder(req, base);
  const rooted = raw.startsWith('/') && !raw.startsWith('//');
  const here = urlFor(req.path);
  const target = rooted ? urlFor(raw) : raw;
  if (!URL.canParse(target, here)) return undefined;
  const url = new URL(target, here);
  return url.protocol === 'http:' || url.protocol === 'https:' ? url.toString() : undefined;
}

/** FailUrl resolved against the twimlet's URL and normalised; undefined when not given. */
export function failUrlFrom(req: WebhookInput, params: Params, base: string | undefined): string | undefined {
  const raw = param(params, 'FailUrl')?.trim();
  if (!raw) return undefined;
  const url = resolveTwimletUrl(req, base, raw);
  if (!url) throw badRequest('FailUrl must be an http(s) URL, or a path relative to the twimlet');
  return url;
}

/** A twimlet's own URL with only its own parameters (a GET webhook's query also carries Twilio's). */
export function selfUrl(
  req: WebhookInput,
  base: string | undefined,
  path: string,
  query: Array<[string, string]>,
): string {
  const search = new URLSearchParams(query).toString();
  return urlBuilder(req, base)(search ? `${path}?${search}` : path);
}

/** Only the digits of a phone number as written: how twimlets compare callers with lists. */
export const digitsOf = (s: string): string => s.replace(/\D/g, '');

/** What every twimlet reads first: the operator's parameters (the URL's query), the call, and its <Say> voice. */
export interface TwimletRequest {
  readonly req: WebhookInput;
  readonly params: Params;
  readonly call: TwilioParams;
  readonly say: SayOptions;
}

/** A twimlet's view, given what it reads first; `sayDefaults` are the config's voice and language. */
export function twimletView(
  sayDefaults: SayOptions,
  view: (request: TwimletRequest) => TwimlAnswer | Promise<TwimlAnswer>,
): TwimlView {
  return (req) => {
    const params = urlParams(req);
    return view({ req, params, call: twilioParams(req), say: sayOptionsFrom(params, sayDefaults) });
  };
}
