// Route for the voicemail twimlet (twimlets.com/voicemail parameters: Email, Message, Transcribe, Language,
// Voice). Twilio calls it three times in a call's life:
//   /twiml/voicemail                       — greeting and <Record>
//   /twiml/voicemail (Record's action)     — thanks and hang up; then e-mail and/or SMS the recording
//   /twiml/voicemail?Transcription=true    — the transcript arrived: e-mail and/or SMS it; 204
// Notifications are sent after answering, so Twilio never waits on SMTP.
import type { Config } from '../src/config';
import { badRequest } from '../src/http/errors';
import { callParams, param, urlParams } from '../src/http/params';
import type { WebhookRoutes } from '../src/http/routing';
import { sayOptionsFrom, selfUrl } from '../src/http/twimletParams';
import { sendTwiml } from '../src/http/twiml';
import type { VoicemailNotifier } from '../src/services/voicemailNotifier';
import { isEmailAddress } from '../src/formats';
import { goodbyeTwimlet, voicemailTwimlet } from '../views/twimlets';

export function voicemailTwimletRoutes(config: Config, notifier: VoicemailNotifier): WebhookRoutes {
  const base = config.publicBaseUrl;
  return {
    '/twiml/voicemail': (req, res) => {
      const params = urlParams(req);
      const call = callParams(req);
      const say = sayOptionsFrom(params, config.say);
      const email = param(params, 'Email')?.trim() || undefined;
      if (email && !isEmailAddress(email)) throw badRequest('Email must be one e-mail address');
      const transcribe = param(params, 'Transcribe')?.toLowerCase() !== 'false';
      const caller = param(call, 'From') ?? param(call, 'Caller') ?? 'an unknown caller';
      const recordingUrl = param(call, 'RecordingUrl');
      const notice = { caller, recordingUrl: recordingUrl ?? '', callSid: param(call, 'CallSid') };

      if (param(call, 'TranscriptionStatus') !== undefined) {
        res.status(204).end();
        if (param(call, 'TranscriptionStatus') === 'completed') {
          void notifier.notify(email, { ...notice, transcript: param(call, 'TranscriptionText') ?? '' });
        }
        return;
      }
      if (recordingUrl) {
        sendTwiml(res, goodbyeTwimlet('Thank you for your message. Goodbye.', say));
        void notifier.notify(email, { ...notice, durationSeconds: param(call, 'RecordingDuration') });
        return;
      }
      const own: Array<[string, string]> = [
        ...(email ? [['Email', email] as [string, string]] : []),
        ...(transcribe ? [] : [['Transcribe', 'false'] as [string, string]]),
        ...(['Voice', 'Language'] as const).flatMap((k) =>
          param(params, k) ? [[k, param(params, k) as string] as [string, string]] : [],
        ),
      ];
      sendTwiml(
        res,
        voicemailTwimlet({
          message: param(params, 'Message')?.trim() || undefined,
          transcribe,
          maxLength: config.voicemail.maxLength,
          actionUrl: selfUrl(req, base, '/twiml/voicemail', own),
          transcribeCallbackUrl: selfUrl(req, base, '/twiml/voicemail', [...own, ['Transcription', 'true']]),
          say,
        }),
      );
    },
  };
}
