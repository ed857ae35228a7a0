// A call to our app as Twilio places one for a caller: signed webhooks, a completed-status callback, and every
// recording registered with the simulator's REST side (so its audio can be fetched afterwards).
import type { TwilioApiServer } from '../../src/simulator/restServer';
import { runCall, type CallResult, type CallScript } from '../../src/simulator/voiceCall';
import { TEST_ACCOUNT_SID, TEST_AUTH_TOKEN } from './config';

export function callFromCaller(
  app: { readonly url: string },
  twilioApi: TwilioApiServer,
  path: string,
  script: CallScript,
  numbers: { readonly from: string; readonly to: string },
): Promise<CallResult> {
  return runCall(
    {
      url: `${app.url}${path}`,
      from: numbers.from,
      to: numbers.to,
      accountSid: TEST_ACCOUNT_SID,
      authToken: TEST_AUTH_TOKEN,
      statusCallback: { url: `${app.url}/callbacks/call-status`, method: 'POST', events: ['completed'] },
      onRecording: (sid, seconds) => twilioApi.addRecording(sid, seconds),
    },
    script,
  );
}
