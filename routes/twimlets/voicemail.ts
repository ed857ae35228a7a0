// Route for the voicemail twimlet (twimlets.com/voicemail parameters: Email (one address or a comma-separated
// list), Message, Transcribe, Language, Voice; and MaxLength, ours, for a limit below Twilio's 3600 s).
// Twilio calls it three times in a call's life:
//   /twiml/voicemail                       — greeting and <Record>
//   /twiml/voicemail (Record's action)     — a message: thanks; silence or nothing recorded: "we did not
//                                            receive a message"
//   /twiml/voicemail?Transcription=true    — the transcript arrived; 204
// The voicemail and its transcript are stored and announced (Email addresses, NOTIFY_EMAIL, NOTIFY_SMS) by
// the recorder and the outbox (src/twilio/webhookEvents.ts), never here: Twilio never waits on SMTP.
import type { Config } from '../../src/config';
import { isRecordingReport, recordingOutcome } from '../../src/voice/callOutcomes';
import { badRequest } from '../../src/http/errors';
import { param } from '../../src/http/params';
import { NO_CONTENT, type WebhookRoutes } from '../../src/http/routing';
import { voicemailTwimletEvents } from '../../src/twilio/webhookEvents';
import { selfUrl, twimletView } from '../../src/http/twimletParams';
import { isEmailAddress } from '../../src/formats';
import { hangupTwiml } from '../../views/voice';
import { TWIMLET_VOICEMAIL, goodbyeTwimlet, voicemailTwimlet } from '../../views/twimlets';

/** Addresses one twimlet URL may notify (Email=a@x,b@y). */
const MAX_EMAILS = 10;
/** Transcribe values that turn transcription off (the original: anything but "true" once given). */
const OFF = new Set(['false', 'no', 'off', '0']);

/** Refuses (400) an Email list with too many or malformed addresses. */
function checkEmails(raw: string | undefined): void {
  const emails = (raw ?? '')
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean);
  if (emails.length > MAX_EMAILS) throw badRequest(`Email takes at most ${MAX_EMAILS} addresses`);
  const bad = emails.find((e) => !isEmailAddress(e));
  if (bad !== undefined) throw badRequest('Email must be an e-mail address or a comma-separated list of them');
}

function maxLengthFrom(raw: string | undefined): number | undefined {
  const text = raw?.trim();
  if (!text) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > 3600) throw badRequest('MaxLength must be whole seconds from 1 to 3600');
  return n;
}

export function voicemailTwimletRoutes(config: Config): WebhookRoutes {
  const base = config.publicBaseUrl;
  return {
    '/twiml/voicemail': {
      events: voicemailTwimletEvents,
      twiml: twimletView(config.say, ({ req, params, call, say }) => {
        const email = param(params, 'Email')?.trim() || undefined;
        checkEmails(email);
        const maxLength = maxLengthFrom(param(params, 'MaxLength'));
        const transcribe = !OFF.has(param(params, 'Transcribe')?.trim().toLowerCase() ?? '');
        if (call.TranscriptionStatus !== undefined) return NO_CONTENT;
        if (isRecordingReport(call)) {
          // Record's action: Twilio requests it after every recording, silent ones included.
          const outcome = recordingOutcome(call);
          if (outcome.callerHungUp) return hangupTwiml();
          const goodbye = outcome.message ? TWIMLET_VOICEMAIL.thanks : TWIMLET_VOICEMAIL.nothing;
          return goodbyeTwimlet(goodbye, say);
        }
        const own: Array<[string, string]> = [
          ...(email ? [['Email', email] as [string, string]] : []),
          ...(transcribe ? [] : [['Transcribe', 'false'] as [string, string]]),
          ...(maxLength ? [['MaxLength', String(maxLength)] as [string, string]] : []),
          ...(['Voice', 'Language'] as const).flatMap((k) =>
            param(params, k) ? [[k, param(params, k) as string] as [string, string]] : [],
          ),
        ];
        return voicemailTwimlet({
          message: param(params, 'Message')?.trim() || undefined,
          transcribe,
          maxLength,
          actionUrl: selfUrl(req, base, '/twiml/voicemail', own),
          transcribeCallbackUrl: selfUrl(req, base, '/twiml/voicemail', [...own, ['Transcription', 'true']]),
          say,
        });
      }),
    },
  };
}
