// Routes for Twilio's status callbacks; each logs one structured line and answers 204:
//   /callbacks/call-status     — Twilio: call progress (statusCallback of a call)
//   /callbacks/message-status  — Twilio: message delivery (statusCallback of a message)
//   /callbacks/recording       — Twilio: recording finished (recordingStatusCallback)
//   /callbacks/transcription   — Twilio: voicemail transcription ready (transcribeCallback)
import type { RequestHandler } from 'express';
import type { WebhookRoutes } from '../src/http/routing';
import {
  callStatusCallbackEvents,
  messageStatusCallbackEvents,
  noEvents,
  transcriptionCallbackEvents,
  type EventsOf,
} from '../src/twilio/webhookEvents';
import {
  twilioParams,
  type CallStatusCallbackParams,
  type MessageStatusCallbackParams,
  type RecordingStatusCallbackParams,
  type TranscriptionCallbackParams,
} from '../src/twilio/twilioParams';

/** Which Twilio parameters each callback logs, under which key. Texts and phone numbers stay out (PII). */
const FIELDS = {
  'call-status': {
    callSid: 'CallSid',
    status: 'CallStatus',
    duration: 'CallDuration',
    direction: 'Direction',
    sequence: 'SequenceNumber',
    errorCode: 'ErrorCode',
    sipResponseCode: 'SipResponseCode',
  } satisfies Record<string, keyof CallStatusCallbackParams>,
  'message-status': {
    messageSid: 'MessageSid',
    status: 'MessageStatus',
    errorCode: 'ErrorCode',
  } satisfies Record<string, keyof MessageStatusCallbackParams>,
  recording: {
    recordingSid: 'RecordingSid',
    callSid: 'CallSid',
    status: 'RecordingStatus',
    duration: 'RecordingDuration',
    recordingUrl: 'RecordingUrl',
    errorCode: 'ErrorCode',
  } satisfies Record<string, keyof RecordingStatusCallbackParams>,
  transcription: {
    transcriptionSid: 'TranscriptionSid',
    recordingSid: 'RecordingSid',
    callSid: 'CallSid',
    status: 'TranscriptionStatus',
  } satisfies Record<string, keyof TranscriptionCallbackParams>,
} as const;

function logCallback(kind: keyof typeof FIELDS): RequestHandler {
  return (req, res) => {
    const params = twilioParams(req);
    const line: Record<string, string> = { callback: kind };
    for (const [key, name] of Object.entries(FIELDS[kind]) as Array<[string, keyof typeof params]>) {
      const value = params[name];
      if (value) line[key] = value;
    }
    // Twilio retries callbacks with the same token; logging it lets duplicates be recognised.
    const idempotencyToken = req.get('i-twilio-idempotency-token');
    if (idempotencyToken) line.idempotencyToken = idempotencyToken;
    req.log.info(line, `twilio ${kind} callback`);
    res.status(204).end();
  };
}

/** What each callback tells the store (the recording's: nothing; Record's action carries the voicemail). */
const EVENTS: Record<keyof typeof FIELDS, EventsOf> = {
  'call-status': callStatusCallbackEvents,
  'message-status': messageStatusCallbackEvents,
  recording: noEvents,
  transcription: transcriptionCallbackEvents,
};

export function callbacksRoutes(): WebhookRoutes {
  return Object.fromEntries(
    (Object.keys(FIELDS) as Array<keyof typeof FIELDS>).map((kind) => [
      `/callbacks/${kind}`,
      { handler: logCallback(kind), events: EVENTS[kind] },
    ]),
  );
}
