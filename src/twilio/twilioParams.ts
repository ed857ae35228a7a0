// Owns the names of the parameters Twilio sends to our webhooks, by kind of request, as Twilio's
// documentation lists them, and the typed reading of them:
//   - each kind is a list of names (so tests can hold the simulator to it) and a type made from the list
//     (so a route that reads a name its request never carries, or misspells one, does not compile);
//   - `twilioParams(req)` keeps the documented names of a request's call data (the body of a POST, the query
//     of a GET) only, each as one string (the first, if repeated); `documentedParams` does the same for a
//     parsed body or query already in hand.
// Twilio adds parameters without notice (its docs say so): an unknown one is ignored here, never refused;
// signature checks run on the raw request before this and are not affected.
// Sources (Twilio docs, read 2026-11):
//   voice request and status callbacks  https://www.twilio.com/docs/usage/webhooks/voice-webhooks
//   <Gather> action                      https://www.twilio.com/docs/voice/twiml/gather#action
//   <Dial> action                        https://www.twilio.com/docs/voice/twiml/dial#action
//   <Record> action and transcribeCallback  https://www.twilio.com/docs/voice/twiml/record
//   incoming message                     https://www.twilio.com/docs/messaging/guides/webhook-request
//   outbound message status              https://www.twilio.com/docs/messaging/guides/track-outbound-message-status
import type { WebhookInput } from '../http/webhookInput';
import { callDataOf } from '../http/params';

/** Where the parties' numbers are, "if available", on calls and messages alike. */
const PLACES = ['FromCity', 'FromState', 'FromZip', 'FromCountry', 'ToCity', 'ToState', 'ToZip', 'ToCountry'] as const;

/** On every voice request about a call: who, which call, its state. */
export const VOICE_CALL = [
  'AccountSid',
  'ApiVersion',
  'CallSid',
  'CallStatus',
  'CallToken',
  'CallerName',
  'Direction',
  'ForwardedFrom',
  'From',
  'ParentCallSid',
  'To',
  'StirVerstat',
  // Twilio's older names for From and To, still sent.
  'Caller',
  'Called',
  // Geographic data, "if available".
  ...PLACES,
  'CallerCity',
  'CallerState',
  'CallerZip',
  'CallerCountry',
  'CalledCity',
  'CalledState',
  'CalledZip',
  'CalledCountry',
] as const;

/** <Gather>'s action: the keys pressed or the words heard. */
export const GATHER_ACTION = [...VOICE_CALL, 'Digits', 'SpeechResult', 'Confidence'] as const;

/** <Dial>'s action: how the dialled leg ended. */
export const DIAL_ACTION = [
  ...VOICE_CALL,
  'DialCallStatus',
  'DialCallSid',
  'DialCallDuration',
  'DialBridged',
  'DialSipCallId',
  'DialSipResponseCode',
  'RecordingUrl',
  // API version 2008-08-01's name for the outcome ("answered" when connected); numbers still configured for it
  // send it, and the original twimlets accept it (forward.php, findme.php, simulring.php).
  'DialStatus',
] as const;

/** <Record>'s action: the recording, and Digits (the key that ended it, or "hangup"). */
export const RECORD_ACTION = [...VOICE_CALL, 'RecordingUrl', 'RecordingDuration', 'RecordingSid', 'Digits'] as const;

/** <Record>'s transcribeCallback: the transcript and the recording it is of, with the call's parameters. */
export const TRANSCRIPTION_CALLBACK = [
  ...VOICE_CALL,
  'TranscriptionSid',
  'TranscriptionText',
  'TranscriptionStatus',
  'TranscriptionUrl',
  'RecordingSid',
  'RecordingUrl',
] as const;

/** recordingStatusCallback (of <Record>, <Dial>, or a call created with Record=true). */
export const RECORDING_STATUS_CALLBACK = [
  'AccountSid',
  'CallSid',
  'RecordingSid',
  'RecordingUrl',
  'RecordingStatus',
  'RecordingDuration',
  'RecordingChannels',
  'RecordingStartTime',
  'RecordingSource',
  'RecordingTrack',
  'ErrorCode',
] as const;

/** A call's statusCallback: the call's parameters and the event's. */
export const CALL_STATUS_CALLBACK = [
  ...VOICE_CALL,
  'CallDuration',
  'CallbackSource',
  'SequenceNumber',
  'Timestamp',
  'SipResponseCode',
  'RecordingUrl',
  'RecordingSid',
  'RecordingDuration',
  'AnsweredBy',
  // Not in the table of the page above; the simulator sends it on a failed call and we keep it when present.
  'ErrorCode',
] as const;

/** An incoming SMS, MMS or WhatsApp message; MediaUrl{N} and MediaContentType{N} come by pattern. */
export const INCOMING_MESSAGE = [
  'MessageSid',
  'SmsSid',
  'SmsMessageSid',
  'AccountSid',
  'MessagingServiceSid',
  'From',
  'To',
  'Body',
  'NumMedia',
  'NumSegments',
  'SmsStatus',
  'ApiVersion',
  ...PLACES,
  'ProfileName',
  'WaId',
] as const;

/** An outbound message's statusCallback. */
export const MESSAGE_STATUS_CALLBACK = [
  'MessageSid',
  'MessageStatus',
  'SmsSid',
  'SmsStatus',
  'AccountSid',
  'MessagingServiceSid',
  'From',
  'To',
  'ApiVersion',
  'ErrorCode',
  'RawDlrDoneDate',
] as const;

/** Media of an incoming message: MediaUrl0, MediaContentType0, … up to NumMedia. */
const MEDIA_PARAM = /^Media(?:Url|ContentType)\d{1,2}$/;
type MediaParams = { readonly [K in `MediaUrl${number}` | `MediaContentType${number}`]?: string };

/** Parameters named in `Names`, each optional: Twilio sends what applies to the request. */
export type TwilioParamsOf<Names extends readonly string[]> = { readonly [K in Names[number]]?: string };

export type VoiceCallParams = TwilioParamsOf<typeof VOICE_CALL>;
export type GatherActionParams = TwilioParamsOf<typeof GATHER_ACTION>;
export type DialActionParams = TwilioParamsOf<typeof DIAL_ACTION>;
export type RecordActionParams = TwilioParamsOf<typeof RECORD_ACTION>;
export type TranscriptionCallbackParams = TwilioParamsOf<typeof TRANSCRIPTION_CALLBACK>;
export type RecordingStatusCallbackParams = TwilioParamsOf<typeof RECORDING_STATUS_CALLBACK>;
export type CallStatusCallbackParams = TwilioParamsOf<typeof CALL_STATUS_CALLBACK>;
export type IncomingMessageParams = TwilioParamsOf<typeof INCOMING_MESSAGE> & MediaParams;
export type MessageStatusCallbackParams = TwilioParamsOf<typeof MESSAGE_STATUS_CALLBACK>;

/** Record's action, or the recording status callback when one URL serves as both (the voicemail twimlet). */
export type RecordingReportParams = RecordActionParams & Pick<RecordingStatusCallbackParams, 'RecordingStatus'>;

/** Every documented name: what `twilioParams` returns, narrowed by its reader to the kind it expects. */
export type TwilioParams = GatherActionParams &
  DialActionParams &
  RecordActionParams &
  TranscriptionCallbackParams &
  RecordingStatusCallbackParams &
  CallStatusCallbackParams &
  IncomingMessageParams &
  MessageStatusCallbackParams;

/** The documented names by kind, for tests that hold a sender (the simulator) to them. */
export const TWILIO_PARAMS_BY_KIND = {
  voiceCall: VOICE_CALL,
  gatherAction: GATHER_ACTION,
  dialAction: DIAL_ACTION,
  recordAction: RECORD_ACTION,
  transcriptionCallback: TRANSCRIPTION_CALLBACK,
  recordingStatusCallback: RECORDING_STATUS_CALLBACK,
  callStatusCallback: CALL_STATUS_CALLBACK,
  incomingMessage: INCOMING_MESSAGE,
  messageStatusCallback: MESSAGE_STATUS_CALLBACK,
} as const;

const DOCUMENTED: ReadonlySet<string> = new Set(Object.values(TWILIO_PARAMS_BY_KIND).flat());

/** Whether `name` is a parameter Twilio documents for `kind` (media by pattern for incoming messages). */
export function isDocumentedParam(kind: keyof typeof TWILIO_PARAMS_BY_KIND, name: string): boolean {
  if (kind === 'incomingMessage' && MEDIA_PARAM.test(name)) return true;
  return (TWILIO_PARAMS_BY_KIND[kind] as readonly string[]).includes(name);
}

/**
 * Twilio's documented parameters in call data (a parsed body or query), one string each (the first, if
 * repeated); values that are not strings are dropped. Only documented names become keys, so none can be
 * `__proto__` or another of Object's own.
 */
export function documentedParams(call: unknown): TwilioParams {
  const documented: Record<string, string> = {};
  if (typeof call !== 'object' || call === null) return documented;
  const source = call as Record<string, unknown>;
  for (const name of Object.keys(source)) {
    if (!DOCUMENTED.has(name) && !MEDIA_PARAM.test(name)) continue;
    const value = source[name];
    const first = Array.isArray(value) ? value[0] : value;
    if (typeof first === 'string') documented[name] = first;
  }
  return documented as TwilioParams;
}

/** Twilio's documented parameters of a request (the body of a POST, the query of a GET). */
export function twilioParams(req: WebhookInput): TwilioParams {
  return documentedParams(callDataOf(req));
}
