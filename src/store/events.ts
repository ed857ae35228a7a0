// Owns what the store is told: the events our webhooks, callbacks and outbound service observe, as plain JSON
// (so an event that cannot be written now can wait in the spool file), and where each status stands in the
// life of a call or a message (so a late `ringing` never overwrites `completed`).

interface Base {
  /** When we received it (ISO 8601). */
  readonly at: string;
  /**
   * For events whose effect is appended (a menu step, a status in a message's history): the event's identity.
   * Applying a key twice is a no-op (a unique constraint), so Twilio's retries and replays are stored once.
   */
  readonly key?: string;
}

export interface CallStatusEvent extends Base {
  readonly type: 'call-status';
  readonly callSid: string;
  readonly status: string;
  readonly direction?: string;
  readonly from?: string;
  readonly to?: string;
  readonly durationSeconds?: number;
  readonly errorCode?: string;
}

export interface CallStepEvent extends Base {
  readonly type: 'call-step';
  readonly callSid: string;
  /** menu-choice, forwarded, dial-outcome, voicemail, voicemail-silent, hung-up */
  readonly kind: string;
  readonly detail?: string;
}

/** Who hears of a voicemail or a text, decided when the event is made (a twimlet's Email list, NOTIFY_*). */
export interface Audience {
  readonly emails: readonly string[];
  readonly sms?: string;
}

export interface VoicemailEvent extends Base {
  readonly type: 'voicemail';
  readonly recordingSid: string;
  readonly callSid?: string;
  readonly from?: string;
  readonly to?: string;
  readonly recordingUrl?: string;
  readonly durationSeconds?: number;
  /** Silent, or shorter than a second: kept, marked, never announced. */
  readonly silent: boolean;
  readonly source: 'menu' | 'twimlet';
  readonly audience: Audience;
}

export interface TranscriptEvent extends Base {
  readonly type: 'transcript';
  readonly recordingSid: string;
  readonly callSid?: string;
  readonly status: string;
  readonly text?: string;
  readonly audience: Audience;
}

export interface MessageEvent extends Base {
  readonly type: 'message';
  readonly messageSid: string;
  readonly direction: 'inbound' | 'outbound-api';
  readonly from?: string;
  readonly to?: string;
  readonly body?: string;
  readonly mediaUrls: readonly string[];
  readonly status: string;
  /** Inbound texts are announced to the operator; outbound ones are theirs already. */
  readonly audience?: Audience;
}

export interface MessageStatusEvent extends Base {
  readonly type: 'message-status';
  readonly messageSid: string;
  readonly status: string;
  readonly errorCode?: string;
}

export type StoreEvent =
  CallStatusEvent | CallStepEvent | VoicemailEvent | TranscriptEvent | MessageEvent | MessageStatusEvent;

/** The SID an event is about, for log lines (never a number or a text). */
export function sidOf(event: StoreEvent): string {
  switch (event.type) {
    case 'call-status':
    case 'call-step':
      return event.callSid;
    case 'voicemail':
    case 'transcript':
      return event.recordingSid;
    case 'message':
    case 'message-status':
      return event.messageSid;
  }
}

const CALL_RANKS: Readonly<Record<string, number>> = {
  queued: 0,
  initiated: 1,
  ringing: 2,
  'in-progress': 3,
  completed: 4,
  busy: 4,
  failed: 4,
  'no-answer': 4,
  canceled: 4,
};

/** A call's statuses in order; an unknown status ranks lowest (it never overwrites a known one). */
export function callStatusRank(status: string): number {
  return CALL_RANKS[status] ?? -1;
}

/** The rank of a call's final statuses: completed, busy, failed, no-answer, canceled. */
const FINAL_CALL_RANK = 4;

/** A call that has ended: nothing Twilio says of it later can change how it ended. */
export function isFinalCallStatus(status: string): boolean {
  return callStatusRank(status) >= FINAL_CALL_RANK;
}

const MESSAGE_RANKS: Readonly<Record<string, number>> = {
  accepted: 0,
  scheduled: 1,
  queued: 2,
  sending: 3,
  receiving: 3,
  sent: 4,
  received: 5,
  delivered: 5,
  undelivered: 5,
  failed: 5,
  canceled: 5,
  partially_delivered: 5,
  read: 6,
};

export function messageStatusRank(status: string): number {
  return MESSAGE_RANKS[status] ?? -1;
}

/** The rank from which a message's fate is known (delivered, undelivered, failed, received, read, …). */
const FINAL_MESSAGE_RANK = 5;

/** A message whose delivery is decided: only `read` may follow. */
export function isFinalMessageStatus(status: string): boolean {
  return messageStatusRank(status) >= FINAL_MESSAGE_RANK;
}
