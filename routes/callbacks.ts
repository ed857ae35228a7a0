// Routes for Twilio's status callbacks; each logs one structured line and answers 204:
//   /callbacks/call-status     — Twilio: call progress (statusCallback of a call)
//   /callbacks/message-status  — Twilio: message delivery (statusCallback of a message)
//   /callbacks/recording       — Twilio: recording finished (recordingStatusCallback)
//   /callbacks/transcription   — Twilio: voicemail transcription ready (transcribeCallback)
import type { RequestHandler } from 'express';
import { callParams, param } from '../src/http/params';
import type { WebhookRoutes } from '../src/http/routing';

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
  },
  'message-status': { messageSid: 'MessageSid', status: 'MessageStatus', errorCode: 'ErrorCode' },
  recording: {
    recordingSid: 'RecordingSid',
    callSid: 'CallSid',
    status: 'RecordingStatus',
    duration: 'RecordingDuration',
    recordingUrl: 'RecordingUrl',
    errorCode: 'ErrorCode',
  },
  transcription: {
    transcriptionSid: 'TranscriptionSid',
    recordingSid: 'RecordingSid',
    callSid: 'CallSid',
    status: 'TranscriptionStatus',
  },
} as const satisfies Record<string, Record<string, string>>;

function logCallback(kind: keyof typeof FIELDS): RequestHandler {
  return (req, res) => {
    const params = callParams(req);
    const line: Record<string, string> = { callback: kind };
    for (const [key, name] of Object.entries(FIELDS[kind])) {
      const value = param(params, name);
      if (value) line[key] = value;
    }
    // Twilio retries callbacks with the same token; logging it lets duplicates be recognised.
    const idempotencyToken = req.get('i-twilio-idempotency-token');
    if (idempotencyToken) line.idempotencyToken = idempotencyToken;
    req.log.info(line, `twilio ${kind} callback`);
    res.status(204).end();
  };
}

export function callbacksRoutes(): WebhookRoutes {
  return Object.fromEntries(
    (Object.keys(FIELDS) as Array<keyof typeof FIELDS>).map((kind) => [`/callbacks/${kind}`, logCallback(kind)]),
  );
}
