// Routes for an incoming call. Twilio calls each one (POST, or GET when the number is set up that way):
//   /voice              — the call arrives: greeting and menu
//   /voice/menu         — the caller's choice (Digits or SpeechResult)
//   /voice/dial-status  — the forwarded leg ended (DialCallStatus)
//   /voice/voicemail    — the recording finished (Record's action)
import { Router, type Request } from 'express';
import type { Config } from '../src/config';
import { E164 } from '../src/formats';
import { menuChoice } from '../src/menu';
import { param, twilioParams } from '../src/http/params';
import { urlBuilder } from '../src/http/publicUrl';
import { getAndPost } from '../src/http/routing';
import { sendTwiml } from '../src/http/twiml';
import { answerErrorsAs } from '../src/middleware/errors';
import {
  PHRASES,
  forwardTwiml,
  hangupTwiml,
  menuTwiml,
  redirectTwiml,
  sayAndHangupTwiml,
  voicemailTwiml,
} from '../views/voice';

/** Dial outcomes after which the caller is done; anything else (busy, no-answer, failed, canceled) goes to voicemail. */
const CONNECTED = new Set(['completed', 'answered']);

export function voiceRouter(config: Config): Router {
  const router = Router();
  router.use(answerErrorsAs('voice'));
  const { say, voice, voicemail } = config;

  const menu = (req: Request, intro: string) =>
    menuTwiml({
      intro,
      menuPrompt: voice.menuPrompt,
      menuUrl: urlBuilder(req, config.publicBaseUrl)('/voice/menu'),
      say,
    });

  const voicemailFor = (req: Request, intro?: string) => {
    const url = urlBuilder(req, config.publicBaseUrl);
    return voicemailTwiml({
      intro,
      prompt: voicemail.prompt,
      maxLength: voicemail.maxLength,
      transcribe: voicemail.transcribe,
      actionUrl: url('/voice/voicemail'),
      recordingStatusUrl: url('/callbacks/recording'),
      transcribeCallbackUrl: url('/callbacks/transcription'),
      say,
    });
  };

  /** The caller's own number when it is a real E.164 number (carriers send junk sometimes), else ours. */
  const callerIdFor = (req: Request): string | undefined => {
    const from = param(twilioParams(req), 'From');
    if (from && E164.test(from)) return from;
    return config.twilio.phoneNumber ?? param(twilioParams(req), 'To');
  };

  getAndPost(router, '/', (req, res) => sendTwiml(res, menu(req, voice.greeting)));

  getAndPost(router, '/menu', (req, res) => {
    const params = twilioParams(req);
    const choice = menuChoice(param(params, 'Digits'), param(params, 'SpeechResult'));
    const url = urlBuilder(req, config.publicBaseUrl);
    switch (choice) {
      case 'forward':
        if (!voice.forwardTo) return sendTwiml(res, voicemailFor(req, PHRASES.noForwarding));
        return sendTwiml(
          res,
          forwardTwiml({
            forwardTo: voice.forwardTo,
            callerId: callerIdFor(req),
            timeout: voice.forwardTimeout,
            dialStatusUrl: url('/voice/dial-status'),
            say,
          }),
        );
      case 'voicemail':
        return sendTwiml(res, voicemailFor(req));
      case 'repeat':
        return sendTwiml(res, redirectTwiml(url('/voice')));
      default:
        return sendTwiml(res, menu(req, PHRASES.notUnderstood));
    }
  });

  getAndPost(router, '/dial-status', (req, res) => {
    const status = param(twilioParams(req), 'DialCallStatus') ?? '';
    if (CONNECTED.has(status)) return sendTwiml(res, hangupTwiml());
    sendTwiml(res, voicemailFor(req, PHRASES.forwardUnanswered));
  });

  getAndPost(router, '/voicemail', (_req, res) => sendTwiml(res, sayAndHangupTwiml(voicemail.thanks, say)));

  return router;
}
