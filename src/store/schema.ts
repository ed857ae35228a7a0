// Owns the store's table shapes as Kysely sees them: one interface per table, columns in snake_case. Times are
// ISO 8601 strings in UTC (they sort as text and read the same in SQLite and PostgreSQL); flags are 0/1.
import type { Generated } from 'kysely';

/** Every event applied once: its key is the unique constraint that makes retried webhooks harmless. */
export interface EventsTable {
  key: string;
  received_at: string;
}

/** One row per CallSid. */
export interface CallsTable {
  sid: string;
  /** inbound, outbound-api, outbound-dial; null until a webhook says. */
  direction: string | null;
  from_number: string | null;
  to_number: string | null;
  status: string;
  /** Where `status` stands in a call's life: a lower rank never overwrites a higher one. */
  status_rank: number;
  started_at: string;
  answered_at: string | null;
  ended_at: string | null;
  duration_seconds: number | null;
  error_code: string | null;
  updated_at: string;
}

/** The path a call took through our routes: menu choices, forwarding, dial outcome, voicemail. */
export interface CallStepsTable {
  id: Generated<number>;
  call_sid: string;
  at: string;
  kind: string;
  detail: string | null;
}

export interface VoicemailsTable {
  id: Generated<number>;
  recording_sid: string;
  call_sid: string | null;
  from_number: string | null;
  to_number: string | null;
  recording_url: string | null;
  duration_seconds: number | null;
  /** 1: silent or under a second (Twilio still made a recording); not presented as a message. */
  silent: number;
  /** menu (the main menu's /voice/voicemail) or twimlet (/twiml/voicemail). */
  source: string | null;
  transcript: string | null;
  transcript_status: string | null;
  listened_at: string | null;
  created_at: string;
}

/** One row per MessageSid, inbound and outbound. */
export interface MessagesTable {
  sid: string;
  direction: string | null;
  from_number: string | null;
  to_number: string | null;
  body: string | null;
  /** JSON array of media URLs. */
  media_urls: string;
  status: string;
  status_rank: number;
  error_code: string | null;
  created_at: string;
  updated_at: string;
}

/** Every status a message went through, as the status callback reported it. */
export interface MessageStatusesTable {
  id: Generated<number>;
  message_sid: string;
  status: string;
  error_code: string | null;
  at: string;
}

/** The outbox: one row per notification and channel, sent at least once, marked sent when accepted. */
export interface NotificationsTable {
  id: Generated<number>;
  /**
   * What it is about, unique with channel: voicemail:<id>, transcript:<id>, message:<sid>, or
   * texts-digest:<sender key>:<window start> (the sender's number hashed: topics are logged).
   */
  topic: string;
  channel: 'email' | 'sms';
  /** Comma-separated e-mail addresses, or one E.164 number. */
  recipients: string;
  subject: string;
  body: string;
  /** Due rows are sent lowest first, then oldest first: 0 voicemails and transcripts, 1 texts. */
  priority: number;
  status: 'pending' | 'sending' | 'sent' | 'failed';
  attempts: number;
  next_attempt_at: string;
  /** While `sending`: the claim expires then, so a crashed sender's row is taken up again. */
  lease_until: string | null;
  last_error: string | null;
  created_at: string;
  sent_at: string | null;
}

/** Signed-out inbox sessions (by their nonce), kept until the cookie would have expired. */
export interface InboxSignOutsTable {
  nonce: string;
  expires_at: string;
}

export interface Tables {
  events: EventsTable;
  calls: CallsTable;
  call_steps: CallStepsTable;
  voicemails: VoicemailsTable;
  messages: MessagesTable;
  message_statuses: MessageStatusesTable;
  notifications: NotificationsTable;
  inbox_sign_outs: InboxSignOutsTable;
}
