// Owns reading what Twilio reports at a verb's action: did a <Dial> connect the caller, and did a <Record>
// keep a message. Both read Twilio's call data, so old and current Twilio behaviour give the same answer:
//   - <Dial>: DialBridged ("true"/"false") when Twilio sends it, else DialCallStatus, else the 2008-08-01 API's
//     DialStatus ("answered"), as the original twimlets read it. A whispered leg that the called party declined
//     ends "completed" without a bridge: only DialBridged tells.
//   - <Record>: Twilio now requests the action even for a silent recording (older Twilio skipped it), and a
//     recording detected as silent may end "absent" (warning 16102). A message is a recording URL with a
//     duration of at least one second; "hangup" in Digits says the caller hung up while recording.
import type { DialActionParams, RecordingReportParams } from '../twilio/twilioParams';

const CONNECTED_STATUS = new Set(['completed', 'answered']);

export function dialConnected(call: DialActionParams): boolean {
  const bridged = call.DialBridged?.toLowerCase();
  if (bridged === 'true' || bridged === 'false') return bridged === 'true';
  if (call.DialCallStatus) return CONNECTED_STATUS.has(call.DialCallStatus);
  return call.DialStatus === 'answered';
}

export interface RecordingOutcome {
  /** A recording worth presenting: its URL and length. Undefined for silence, an absent or no recording. */
  readonly message?: { readonly url: string; readonly durationSeconds?: string };
  /** The caller hung up during <Record> (Digits=hangup): nobody hears the answer. */
  readonly callerHungUp: boolean;
}

/** The shortest recording that counts as a message (RecordingDuration is whole seconds: 0 is sub-second). */
export const MIN_MESSAGE_SECONDS = 1;

/**
 * Whether a request to a URL that is both a call's first request and its <Record>'s action (the voicemail
 * twimlet) reports a recording: a recording URL or status, or a caller who hung up while recording.
 */
export function isRecordingReport(call: RecordingReportParams): boolean {
  return Boolean(call.RecordingUrl) || call.RecordingStatus !== undefined || call.Digits === 'hangup';
}

export function recordingOutcome(call: RecordingReportParams): RecordingOutcome {
  const callerHungUp = call.Digits === 'hangup';
  const url = call.RecordingUrl?.trim();
  const absent = call.RecordingStatus === 'absent';
  const duration = call.RecordingDuration?.trim();
  // A missing duration is not silence: nothing is dropped on a guess.
  const tooShort = duration !== undefined && duration !== '' && !(Number(duration) >= MIN_MESSAGE_SECONDS);
  if (!url || absent || tooShort) return { callerHungUp };
  return { callerHungUp, message: { url, ...(duration ? { durationSeconds: duration } : {}) } };
}
