// Owns what each kind of Twilio request tells the store: from the parameters Twilio sent and the operator's URL,
// the events to record (a call's status and path through the menu, a voicemail, a transcript, a text, a status
// change). Each route declares which of these it reports, next to its answer (src/http/routing.ts). Pure: no I/O,
// so every mapping is tested on its own.
import { CALL_SID, isEmailAddress, MESSAGE_SID, RECORDING_SID } from '../formats';
import { menuChoice } from '../voice/menu';
import type { Audience, StoreEvent } from '../store/events';
import { isRecordingReport, recordingOutcome } from '../voice/callOutcomes';
import { param, type Params } from '../http/params';
import type {
  CallStatusCallbackParams,
  GatherActionParams,
  IncomingMessageParams,
  MessageStatusCallbackParams,
  RecordingReportParams,
  TranscriptionCallbackParams,
  TwilioParams,
  VoiceCallParams,
} from './twilioParams';

export interface EventContext {
  readonly at: string;
  /** I-Twilio-Idempotency-Token: the same on Twilio's retries of one request. */
  readonly idempotencyToken?: string;
  /** Who hears of voicemails and texts (NOTIFY_EMAIL, NOTIFY_SMS). */
  readonly operator: Audience;
  readonly forwardTo?: string;
}

function wholeSeconds(raw: string | undefined): number | undefined {
  if (raw === undefined || raw.trim() === '') return undefined;
  const n = Number(raw);
  return Number.isInteger(n) && n >= 0 ? n : undefined;
}

/** The call this request is about, as Twilio describes it on every voice webhook. */
function callStatus(call: VoiceCallParams, at: string): StoreEvent[] {
  const { CallSid: callSid, CallStatus: status } = call;
  if (!callSid || !CALL_SID.test(callSid) || !status) return [];
  return [
    {
      type: 'call-status',
      at,
      callSid,
      status,
      direction: call.Direction,
      from: call.From,
      to: call.To,
    },
  ];
}

/** A step on the call's path; keyed by Twilio's idempotency token so a retried request adds it once. */
function step(call: VoiceCallParams, ctx: EventContext, kind: string, detail?: string): StoreEvent[] {
  const callSid = call.CallSid;
  if (!callSid || !CALL_SID.test(callSid)) return [];
  const key = ctx.idempotencyToken ? `step:${ctx.idempotencyToken}:${kind}` : undefined;
  return [{ type: 'call-step', at: ctx.at, callSid, kind, ...(detail ? { detail } : {}), ...(key ? { key } : {}) }];
}

function menuEvents(call: GatherActionParams, ctx: EventContext): StoreEvent[] {
  const choice = menuChoice(call.Digits, call.SpeechResult);
  const events = step(call, ctx, 'menu-choice', choice ?? 'not understood');
  if (choice === 'forward') {
    events.push(...step(call, ctx, ctx.forwardTo ? 'forwarded' : 'forward-unavailable', ctx.forwardTo));
  }
  return events;
}

/** Record's action (the main menu's and the twimlet's): a voicemail, a silent one, or a caller who hung up. */
function recordingEvents(
  call: RecordingReportParams,
  ctx: EventContext,
  source: 'menu' | 'twimlet',
  audience: Audience,
) {
  const outcome = recordingOutcome(call);
  const recordingSid = call.RecordingSid;
  const events: StoreEvent[] = [];
  if (recordingSid && RECORDING_SID.test(recordingSid)) {
    events.push({
      type: 'voicemail',
      at: ctx.at,
      recordingSid,
      callSid: call.CallSid,
      from: call.From ?? call.Caller,
      to: call.To ?? call.Called,
      recordingUrl: call.RecordingUrl,
      durationSeconds: wholeSeconds(call.RecordingDuration),
      silent: outcome.message === undefined,
      source,
      audience,
    });
  } else {
    events.push(...step(call, ctx, 'voicemail-absent'));
  }
  if (outcome.callerHungUp) events.push(...step(call, ctx, 'hung-up'));
  return events;
}

function transcriptEvents(call: TranscriptionCallbackParams, ctx: EventContext, audience: Audience): StoreEvent[] {
  const { RecordingSid: recordingSid, TranscriptionStatus: status } = call;
  if (!recordingSid || !RECORDING_SID.test(recordingSid) || !status) return [];
  return [
    {
      type: 'transcript',
      at: ctx.at,
      recordingSid,
      callSid: call.CallSid,
      status,
      text: call.TranscriptionText,
      audience,
    },
  ];
}

/** The voicemail twimlet's Email list (invalid entries are the route's 400, not ours) joined with NOTIFY_EMAIL. */
function twimletAudience(url: Params, operator: Audience): Audience {
  const own = (param(url, 'Email') ?? '')
    .split(',')
    .map((e) => e.trim())
    .filter(isEmailAddress);
  return { emails: [...new Set([...own, ...operator.emails])], sms: operator.sms };
}

function inboundMessage(call: IncomingMessageParams, ctx: EventContext): StoreEvent[] {
  const messageSid = call.MessageSid ?? call.SmsSid;
  if (!messageSid || !MESSAGE_SID.test(messageSid)) return [];
  const count = Math.min(wholeSeconds(call.NumMedia) ?? 0, 10);
  const mediaUrls = Array.from({ length: count }, (_, i) => call[`MediaUrl${i}`]).filter(
    (u): u is string => typeof u === 'string' && u !== '',
  );
  return [
    {
      type: 'message',
      at: ctx.at,
      messageSid,
      direction: 'inbound',
      from: call.From,
      to: call.To,
      body: call.Body ?? '',
      mediaUrls,
      status: 'received',
      audience: ctx.operator,
    },
  ];
}

function callStatusCallback(call: CallStatusCallbackParams, ctx: EventContext): StoreEvent[] {
  const [event] = callStatus(call, ctx.at);
  if (!event || event.type !== 'call-status') return [];
  const errorCode = call.ErrorCode;
  return [
    {
      ...event,
      durationSeconds: wholeSeconds(call.CallDuration),
      ...(errorCode ? { errorCode } : {}),
    },
  ];
}

function messageStatusCallback(call: MessageStatusCallbackParams, ctx: EventContext): StoreEvent[] {
  const messageSid = call.MessageSid ?? call.SmsSid;
  const status = call.MessageStatus ?? call.SmsStatus;
  if (!messageSid || !MESSAGE_SID.test(messageSid) || !status) return [];
  const errorCode = call.ErrorCode;
  return [{ type: 'message-status', at: ctx.at, messageSid, status, ...(errorCode ? { errorCode } : {}) }];
}

/** What a route reports: the call Twilio describes on every voice webhook, and what that route adds to it. */
export type EventsOf = (call: TwilioParams, url: Params, ctx: EventContext) => StoreEvent[];

/** Any voice route: the call, as Twilio describes it. */
export const callEvents: EventsOf = (call, _url, ctx) => callStatus(call, ctx.at);

/** The main menu's choice, and where it led. */
export const menuChoiceEvents: EventsOf = (call, _url, ctx) => [...callStatus(call, ctx.at), ...menuEvents(call, ctx)];

/** How the forwarded leg ended. */
export const dialOutcomeEvents: EventsOf = (call, _url, ctx) => {
  const { DialCallStatus: outcome, DialBridged: bridged } = call;
  const detail = [outcome, bridged === 'false' ? 'not bridged' : undefined].filter(Boolean).join(', ');
  return [...callStatus(call, ctx.at), ...step(call, ctx, 'dial-outcome', detail || undefined)];
};

/** The main menu's Record action: a voicemail for the operator. */
export const menuVoicemailEvents: EventsOf = (call, _url, ctx) => [
  ...callStatus(call, ctx.at),
  ...recordingEvents(call, ctx, 'menu', ctx.operator),
];

/** The voicemail twimlet: its call, its Record action, its transcript, each for its Email list and the operator. */
export const voicemailTwimletEvents: EventsOf = (call, url, ctx) => {
  const audience = twimletAudience(url, ctx.operator);
  if (call.TranscriptionStatus !== undefined) return transcriptEvents(call, ctx, audience);
  const report = isRecordingReport(call) ? recordingEvents(call, ctx, 'twimlet', audience) : [];
  return [...callStatus(call, ctx.at), ...report];
};

/** An inbound text. */
export const inboundMessageEvents: EventsOf = (call, _url, ctx) => inboundMessage(call, ctx);

/** Twilio's status callbacks. */
export const callStatusCallbackEvents: EventsOf = (call, _url, ctx) => callStatusCallback(call, ctx);
export const messageStatusCallbackEvents: EventsOf = (call, _url, ctx) => messageStatusCallback(call, ctx);
export const transcriptionCallbackEvents: EventsOf = (call, _url, ctx) => transcriptEvents(call, ctx, ctx.operator);
/** The recording callback: the voicemail is recorded from Record's action, which carries the caller. */
export const noEvents: EventsOf = () => [];
