// Routes for the twimlets we host (drop-in equivalents of twimlets.com). Twilio fetches them as a call's URL:
//   /twiml/message — Message / Message[n]: <Say> each text, <Play> each URL, in order
import type { Config } from '../src/config';
import { badRequest } from '../src/http/errors';
import { listParam, param, twilioParams, type Params } from '../src/http/params';
import type { WebhookRoutes } from '../src/http/routing';
import { sendTwiml } from '../src/http/twiml';
import { LANGUAGE_TAG, SAY_VOICE } from '../src/formats';
import type { SayOptions } from '../views/say';
import { messageTwimlet } from '../views/twimlets';

/** Voice and Language from the URL, falling back to the configured ones; a malformed value is a 400. */
function sayOptionsFrom(params: Params, defaults: SayOptions): SayOptions {
  const voice = param(params, 'Voice')?.trim() || undefined;
  const language = param(params, 'Language')?.trim() || undefined;
  if (voice && !SAY_VOICE.test(voice))
    throw badRequest('Voice must be a Twilio voice name such as alice or Polly.Joanna');
  if (language && !LANGUAGE_TAG.test(language)) throw badRequest('Language must be a language tag such as en-US');
  return { voice: voice ?? defaults.voice, language: language ?? defaults.language };
}

export function twimlRoutes(config: Config): WebhookRoutes {
  return {
    '/twiml/message': (req, res) => {
      const params = twilioParams(req);
      sendTwiml(res, messageTwimlet({ items: listParam(params, 'Message'), say: sayOptionsFrom(params, config.say) }));
    },
  };
}
