// The ringAtOnce twimlet (drop-in for twimlets.com's, same parameters):
//   /twiml/simulring — PhoneNumbers[], Message (whispered), Timeout, FailUrl, HumanCheck: ring all at once
//   /twiml/callme    — PhoneNumber, Message (whispered), Timeout, FailUrl: ring one number, whispered
// Twimlet parameters come from the URL's query only (the operator's, signed by Twilio); call data from the body
// of a POST or the query of a GET.
import type { Config } from '../../src/config';
import { badRequest } from '../../src/http/errors';
import { failUrlFrom, timeoutFrom, twimletView } from '../../src/http/twimletParams';
import { dialConnected } from '../../src/voice/callOutcomes';
import { listParam, param, type Params } from '../../src/http/params';
import type { WebhookRoute, WebhookRoutes } from '../../src/http/routing';
import { callEvents } from '../../src/twilio/webhookEvents';

import { phoneNumberOf, type TwimletDialing } from '../../src/voice/twimletDialing';
import { TWIMLET_PHRASES, afterDialTwimlet, dialTwimlet, goodbyeTwimlet } from '../../views/twimlets';

export function ringAtOnceTwimlets(config: Config, dialing: TwimletDialing): WebhookRoutes {
  const base = config.publicBaseUrl;
  /**
   * simulring and callme: ring every allowed number at once, each whispered (the Message), and come back
   * with Dial=true to hang up or go on to the FailUrl.
   */
  const ringAtOnce = (
    path: string,
    targetsOf: (params: Params) => { numbers: string[]; humanCheck: boolean },
  ): WebhookRoute => ({
    events: callEvents,
    twiml: twimletView(config.say, ({ req, params, call, say }) => {
      const failUrl = failUrlFrom(req, params, base);
      if (param(params, 'Dial')) return afterDialTwimlet(dialConnected(call), failUrl);
      const { numbers, humanCheck } = targetsOf(params);
      const whisper = dialing.whisperUrlFor(req, param(params, 'Message'), humanCheck);
      const targets = dialing.allowedTargets(req, numbers, path.slice('/twiml/'.length), whisper);
      if (targets.length === 0) return goodbyeTwimlet(TWIMLET_PHRASES.refused, say);
      const actionUrl = dialing.dialActionUrl(req, path, failUrl);
      return dialTwimlet({ targets, timeout: timeoutFrom(params, 20), actionUrl, say });
    }),
  });

  return {
    // As the original: the whisper without a human check unless the URL asks for one (HumanCheck).
    '/twiml/simulring': ringAtOnce('/twiml/simulring', (params) => {
      const numbers = listParam(params, 'PhoneNumbers');
      if (numbers.length === 0) throw badRequest('PhoneNumbers[] is required');
      return { numbers, humanCheck: param(params, 'HumanCheck') !== undefined };
    }),

    // As the original: the called party hears the whisper; no human check.
    '/twiml/callme': ringAtOnce('/twiml/callme', (params) => ({ numbers: [phoneNumberOf(params)], humanCheck: false })),
  };
}
