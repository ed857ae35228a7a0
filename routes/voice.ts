// Routes for an incoming call. Twilio calls each one (POST, or GET when the number is set up that way):
//   /voice              — the call arrives: greeting and menu
//   /voice/menu         — the caller's choice (Digits or SpeechResult)
//   /voice/dial-status  — the forwarded leg ended (DialCallStatus)
//   /voice/voicemail    — the recording finished (Record's action): thanks for a message, "we did not
//                         receive a recording" for silence, nothing to say when the caller hung up
import type { Config } from '../src/config';
import { E164 } from '../src/formats';
import { menuChoice } from '../src/voice/menu';
import { dialConnected, recordingOutcome } from '../src/voice/callOutcomes';
import { urlBuilder } from '../src/http/publicUrl';
import type { WebhookRoutes } from '../src/http/routing';
import { callEvents, dialOutcomeEvents, menuChoiceEvents, menuVoicemailEvents } from '../src/twilio/webhookEvents';
import { twimlFor, type StaticTwimlContext } from '../src/http/staticTwiml';
import { twilioParams, type GatherActionParams, type VoiceCallParams } from '../src/twilio/twilioParams';
import {
  PHRASES,
  forwardTwiml,
  hangupTwiml,
  menuTwiml,
  redirectTwiml,
  sayAndHangupTwiml,
  voicemailTwiml,
} from '../views/voice';

export function voiceRoutes(config: Config, context: StaticTwimlContext): WebhookRoutes {
  const { say, voice, voicemail } = config;

  const base = config.publicBaseUrl;
  const menu = (intro: string) =>
    twimlFor(context, '/voice', (url) =>
      menuTwiml({ intro, menuPrompt: voice.menuPrompt, menuUrl: url('/voice/menu'), say }),
    );
  const voicemailAfter = (intro?: string) =>
    twimlFor(context, '/voice/menu', (url) =>
      voicemailTwiml({
        intro,
        prompt: voicemail.prompt,
        maxLength: voicemail.maxLength,
        transcribe: voicemail.transcribe,
        actionUrl: url('/voice/voicemail'),
        recordingStatusUrl: url('/callbacks/recording'),
        transcribeCallbackUrl: url('/callbacks/transcription'),
        say,
      }),
    );

  // Documents that depend only on config: built once when PUBLIC_BASE_URL fixes the origin.
  const welcome = menu(voice.greeting);
  const notUnderstood = menu(PHRASES.notUnderstood);
  const leaveVoicemail = voicemailAfter();
  const voicemailNoForward = voicemailAfter(PHRASES.noForwarding);
  const voicemailUnanswered = voicemailAfter(PHRASES.forwardUnanswered);
  const backToStart = twimlFor(context, '/voice/menu', (url) => redirectTwiml(url('/voice')));
  const thanks = twimlFor(context, '/voice/voicemail', () => sayAndHangupTwiml(voicemail.thanks, say));
  const nothingRecorded = twimlFor(context, '/voice/voicemail', () => sayAndHangupTwiml(PHRASES.noRecording, say));
  const hangUp = twimlFor(context, '/voice/dial-status', () => hangupTwiml());

  /** The caller's own number when it is a real E.164 number (carriers send junk sometimes), else ours. */
  const callerIdFor = (call: VoiceCallParams): string | undefined => {
    if (call.From && E164.test(call.From)) return call.From;
    return config.twilio.phoneNumber ?? call.To;
  };

  return {
    '/voice': { twiml: (req) => welcome(req), events: callEvents },

    '/voice/menu': {
      events: menuChoiceEvents,
      twiml: (req) => {
        const gathered: GatherActionParams = twilioParams(req);
        switch (menuChoice(gathered.Digits, gathered.SpeechResult)) {
          case 'forward':
            if (!voice.forwardTo) return voicemailNoForward(req);
            return forwardTwiml({
              forwardTo: voice.forwardTo,
              callerId: callerIdFor(gathered),
              timeout: voice.forwardTimeout,
              dialStatusUrl: urlBuilder(req, base)('/voice/dial-status'),
              say,
            });
          case 'voicemail':
            return leaveVoicemail(req);
          case 'repeat':
            return backToStart(req);
          default:
            return notUnderstood(req);
        }
      },
    },

    // Connected (and now over): hang up; busy, no answer, failed or a declined whisper: voicemail.
    '/voice/dial-status': {
      events: dialOutcomeEvents,
      twiml: (req) => (dialConnected(twilioParams(req)) ? hangUp(req) : voicemailUnanswered(req)),
    },

    '/voice/voicemail': {
      events: menuVoicemailEvents,
      twiml: (req) => {
        const outcome = recordingOutcome(twilioParams(req));
        if (outcome.callerHungUp) return hangUp(req);
        return outcome.message ? thanks(req) : nothingRecorded(req);
      },
    },
  };
}
