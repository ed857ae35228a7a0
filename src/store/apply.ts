// Owns writing events into the store: each batch in one transaction, every write idempotent (primary keys,
// unique constraints and upserts, never read-then-write), statuses that only move forward, and the outbox
// rows for what the operator must hear of, written in the same transaction as the row they announce.
import { CompiledQuery, type Transaction } from 'kysely';
import type { Db } from './database';
import {
  callStatusRank,
  isFinalCallStatus,
  messageStatusRank,
  type Audience,
  type CallStatusEvent,
  type CallStepEvent,
  type MessageEvent,
  type MessageStatusEvent,
  type StoreEvent,
  type TranscriptEvent,
  type VoicemailEvent,
} from './events';
import type { Tables } from './schema';
import { ANNOUNCED_TEXTS_PER_SENDER, SENDER_WINDOW_MS, windowStart } from '../messaging/senderLimits';

type Tx = Transaction<Tables>;

/** Something the operator is told about: what the outbox composes a notification from. */
export type Announcement =
  | { readonly kind: 'voicemail'; readonly id: number; readonly event: VoicemailEvent }
  | {
      readonly kind: 'transcript';
      readonly id: number;
      readonly event: TranscriptEvent;
      readonly from: string | null;
      readonly recordingUrl: string | null;
    }
  | { readonly kind: 'message'; readonly event: MessageEvent }
  /** The texts one number sent in a window beyond those announced one by one: sent when the window ends. */
  | {
      readonly kind: 'text-digest';
      readonly from: string;
      /** How many texts of the window were not announced one by one (so far: it grows until it is sent). */
      readonly more: number;
      readonly windowStart: string;
      readonly windowEnd: string;
    };

export interface NotificationDraft {
  readonly topic: string;
  readonly channel: 'email' | 'sms';
  readonly recipients: string;
  readonly subject: string;
  readonly body: string;
  /** 0 is sent before 1 whatever their age: a voicemail never waits behind a backlog of texts. */
  readonly priority: 0 | 1;
}

/** Turns an announcement into the notifications to send (one per channel). Pure: the service layer owns it. */
export type Composer = (announcement: Announcement, audience: Audience) => NotificationDraft[];

/** True the first time a key is seen; false for a retry or a replay (the unique constraint decides). */
async function firstTime(tx: Tx, key: string | undefined, at: string): Promise<boolean> {
  if (key === undefined) return true;
  const result = await tx
    .insertInto('events')
    .values({ key, received_at: at })
    .onConflict((oc) => oc.column('key').doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
}

/**
 * Adds the drafts to the outbox, due at `dueAt`. A draft whose topic is already there is left as it is, unless
 * `revise` (a digest that grows): then its text is replaced while it has not been sent.
 */
async function enqueue(
  tx: Tx,
  drafts: NotificationDraft[],
  dueAt: string,
  createdAt: string,
  revise = false,
): Promise<void> {
  for (const draft of drafts) {
    await tx
      .insertInto('notifications')
      .values({ ...draft, status: 'pending', attempts: 0, next_attempt_at: dueAt, created_at: createdAt })
      .onConflict((oc) =>
        revise
          ? oc
              .columns(['topic', 'channel'])
              .doUpdateSet({ subject: draft.subject, body: draft.body })
              .where('notifications.status', '=', 'pending')
          : oc.columns(['topic', 'channel']).doNothing(),
      )
      .execute();
  }
}

/**
 * Announces an inbound text: one by one for the first ANNOUNCED_TEXTS_PER_SENDER of its sender's window, then as
 * one digest of the rest, sent when the window ends. Counted from the messages stored, so every instance agrees.
 */
async function announceText(tx: Tx, e: MessageEvent, audience: Audience, compose: Composer): Promise<void> {
  const start = windowStart(new Date(e.at));
  if (e.from === undefined || Number.isNaN(start.getTime())) {
    return enqueue(tx, compose({ kind: 'message', event: e }, audience), e.at, e.at);
  }
  const from = start.toISOString();
  const to = new Date(start.getTime() + SENDER_WINDOW_MS).toISOString();
  const { texts } = await tx
    .selectFrom('messages')
    .select((eb) => eb.fn.countAll().as('texts'))
    .where('from_number', '=', e.from)
    .where('direction', '=', 'inbound')
    .where('created_at', '>=', from)
    .where('created_at', '<', to)
    .executeTakeFirstOrThrow();
  const more = Number(texts) - ANNOUNCED_TEXTS_PER_SENDER;
  if (more <= 0) return enqueue(tx, compose({ kind: 'message', event: e }, audience), e.at, e.at);
  const digest = { kind: 'text-digest', from: e.from, more, windowStart: from, windowEnd: to } as const;
  await enqueue(tx, compose(digest, audience), to, e.at, true);
}

/** Makes sure the call's row exists (a step or a recording may be the first we hear of a call). */
async function ensureCall(tx: Tx, callSid: string, at: string, status = 'in-progress'): Promise<void> {
  await tx
    .insertInto('calls')
    .values({ sid: callSid, status, status_rank: callStatusRank(status), started_at: at, updated_at: at })
    .onConflict((oc) => oc.column('sid').doNothing())
    .execute();
}

/**
 * One statement, so a call's status costs one write on the webhook path: the row is created, or who and which
 * way are filled in where missing, and the status (with its end, duration and error) moves only forward.
 */
function callStatusRow(e: CallStatusEvent) {
  return {
    sid: e.callSid,
    direction: e.direction ?? null,
    from_number: e.from ?? null,
    to_number: e.to ?? null,
    status: e.status,
    status_rank: callStatusRank(e.status),
    started_at: e.at,
    answered_at: e.status === 'in-progress' ? e.at : null,
    ended_at: isFinalCallStatus(e.status) ? e.at : null,
    duration_seconds: e.durationSeconds ?? null,
    error_code: e.errorCode ?? null,
    updated_at: e.at,
  };
}

function callStatusUpsert(db: Db, e: CallStatusEvent) {
  return db
    .insertInto('calls')
    .values(callStatusRow(e))
    .onConflict((oc) =>
      oc.column('sid').doUpdateSet((eb) => {
        const advances = eb('excluded.status_rank', '>', eb.ref('calls.status_rank'));
        const forward = <C extends 'status' | 'status_rank' | 'updated_at'>(column: C) =>
          eb
            .case()
            .when(advances)
            .then(eb.ref(`excluded.${column}`))
            .else(eb.ref(`calls.${column}`))
            .end();
        const forwardIfGiven = <C extends 'ended_at' | 'duration_seconds' | 'error_code'>(column: C) =>
          eb
            .case()
            .when(advances)
            .then(eb.fn.coalesce(`excluded.${column}`, `calls.${column}`))
            .else(eb.ref(`calls.${column}`))
            .end();
        return {
          direction: eb.fn.coalesce('calls.direction', 'excluded.direction'),
          from_number: eb.fn.coalesce('calls.from_number', 'excluded.from_number'),
          to_number: eb.fn.coalesce('calls.to_number', 'excluded.to_number'),
          // Filled once, and never after the call's end: a late in-progress that arrives after completed
          // does not make the call answered after it ended (times move forward like statuses).
          answered_at: eb.fn.coalesce(
            'calls.answered_at',
            eb
              .case()
              .when(
                eb.and([
                  eb('calls.ended_at', 'is not', null),
                  eb('excluded.answered_at', '>', eb.ref('calls.ended_at')),
                ]),
              )
              .then(null)
              .else(eb.ref('excluded.answered_at'))
              .end(),
          ),
          status: forward('status'),
          status_rank: forward('status_rank'),
          updated_at: forward('updated_at'),
          ended_at: forwardIfGiven('ended_at'),
          duration_seconds: forwardIfGiven('duration_seconds'),
          error_code: forwardIfGiven('error_code'),
        };
      }),
    );
}

/** The upsert's SQL per dialect, compiled once: only its parameters (the row's values, in order) change. */
const compiledUpserts = new Map<string, string>();

async function applyCallStatus(db: Db, e: CallStatusEvent): Promise<void> {
  const parameters = Object.values(callStatusRow(e));
  const dialect = db.getExecutor().adapter.constructor.name;
  let text = compiledUpserts.get(dialect);
  if (text === undefined) {
    const compiled = callStatusUpsert(db, e).compile();
    // The cached text is valid only if its parameters are exactly the row's values, in the row's order.
    if (JSON.stringify(compiled.parameters) !== JSON.stringify(parameters)) {
      throw new Error('the call-status upsert binds more than the row: it cannot be compiled once');
    }
    text = compiled.sql;
    compiledUpserts.set(dialect, text);
  }
  await db.executeQuery(CompiledQuery.raw(text, parameters));
}

async function applyCallStep(tx: Tx, e: CallStepEvent): Promise<void> {
  await ensureCall(tx, e.callSid, e.at);
  await tx
    .insertInto('call_steps')
    .values({ call_sid: e.callSid, at: e.at, kind: e.kind, detail: e.detail ?? null })
    .execute();
}

async function applyVoicemail(tx: Tx, e: VoicemailEvent, compose: Composer): Promise<void> {
  const row = await tx
    .insertInto('voicemails')
    .values({
      recording_sid: e.recordingSid,
      call_sid: e.callSid ?? null,
      from_number: e.from ?? null,
      to_number: e.to ?? null,
      recording_url: e.recordingUrl ?? null,
      duration_seconds: e.durationSeconds ?? null,
      silent: e.silent ? 1 : 0,
      source: e.source,
      created_at: e.at,
    })
    // A transcript may have arrived first (it made the row): fill in what the recording knows.
    .onConflict((oc) =>
      oc.column('recording_sid').doUpdateSet((eb) => ({
        call_sid: eb.fn.coalesce('voicemails.call_sid', eb.ref('excluded.call_sid')),
        from_number: eb.fn.coalesce('voicemails.from_number', eb.ref('excluded.from_number')),
        to_number: eb.fn.coalesce('voicemails.to_number', eb.ref('excluded.to_number')),
        recording_url: eb.fn.coalesce('voicemails.recording_url', eb.ref('excluded.recording_url')),
        duration_seconds: eb.fn.coalesce('voicemails.duration_seconds', eb.ref('excluded.duration_seconds')),
        silent: eb.ref('excluded.silent'),
        source: eb.fn.coalesce('voicemails.source', eb.ref('excluded.source')),
      })),
    )
    .returning('id')
    .executeTakeFirstOrThrow();
  if (e.callSid) {
    await ensureCall(tx, e.callSid, e.at);
    await firstTime(tx, `voicemail-step:${e.recordingSid}`, e.at).then((first) =>
      first
        ? applyCallStep(tx, {
            type: 'call-step',
            at: e.at,
            callSid: e.callSid as string,
            kind: e.silent ? 'voicemail-silent' : 'voicemail',
            detail: e.recordingSid,
          })
        : undefined,
    );
  }
  if (!e.silent) await enqueue(tx, compose({ kind: 'voicemail', id: row.id, event: e }, e.audience), e.at, e.at);
}

async function applyTranscript(tx: Tx, e: TranscriptEvent, compose: Composer): Promise<void> {
  const row = await tx
    .insertInto('voicemails')
    .values({
      recording_sid: e.recordingSid,
      call_sid: e.callSid ?? null,
      silent: 0,
      transcript: e.text ?? null,
      transcript_status: e.status,
      created_at: e.at,
    })
    .onConflict((oc) =>
      oc.column('recording_sid').doUpdateSet((eb) => ({
        transcript: eb.ref('excluded.transcript'),
        transcript_status: eb.ref('excluded.transcript_status'),
      })),
    )
    .returning(['id', 'silent', 'from_number', 'recording_url'])
    .executeTakeFirstOrThrow();
  if (e.status === 'completed' && row.silent === 0) {
    const announcement = {
      kind: 'transcript' as const,
      id: row.id,
      event: e,
      from: row.from_number,
      recordingUrl: row.recording_url,
    };
    await enqueue(tx, compose(announcement, e.audience), e.at, e.at);
  }
}

async function applyMessage(tx: Tx, e: MessageEvent, compose: Composer): Promise<void> {
  // The status first: it takes the ledger key, then the row, in the order the status callback takes them, so
  // a callback racing its own message's write waits for it instead of deadlocking with it.
  await applyMessageStatus(tx, { type: 'message-status', at: e.at, messageSid: e.messageSid, status: e.status });
  const rank = messageStatusRank(e.status);
  await tx
    .insertInto('messages')
    .values({
      sid: e.messageSid,
      direction: e.direction,
      from_number: e.from ?? null,
      to_number: e.to ?? null,
      body: e.body ?? null,
      media_urls: JSON.stringify(e.mediaUrls),
      status: e.status,
      status_rank: rank,
      created_at: e.at,
      updated_at: e.at,
    })
    // The status callback may have been faster than the answer to messages.create: keep its status.
    .onConflict((oc) =>
      oc.column('sid').doUpdateSet((eb) => ({
        direction: eb.ref('excluded.direction'),
        from_number: eb.fn.coalesce('messages.from_number', eb.ref('excluded.from_number')),
        to_number: eb.fn.coalesce('messages.to_number', eb.ref('excluded.to_number')),
        body: eb.fn.coalesce('messages.body', eb.ref('excluded.body')),
        media_urls: eb.ref('excluded.media_urls'),
        created_at: eb.ref('excluded.created_at'),
      })),
    )
    .execute();
  if (e.audience) await announceText(tx, e, e.audience, compose);
}

async function applyMessageStatus(tx: Tx, e: MessageStatusEvent): Promise<void> {
  if (!(await firstTime(tx, `message-status:${e.messageSid}:${e.status}`, e.at))) return;
  const rank = messageStatusRank(e.status);
  await tx
    .insertInto('messages')
    .values({
      sid: e.messageSid,
      media_urls: '[]',
      status: e.status,
      status_rank: rank,
      created_at: e.at,
      updated_at: e.at,
    })
    .onConflict((oc) => oc.column('sid').doNothing())
    .execute();
  await tx
    .insertInto('message_statuses')
    .values({ message_sid: e.messageSid, status: e.status, error_code: e.errorCode ?? null, at: e.at })
    .execute();
  await tx
    .updateTable('messages')
    .set({
      status: e.status,
      status_rank: rank,
      updated_at: e.at,
      ...(e.errorCode !== undefined ? { error_code: e.errorCode } : {}),
    })
    .where('sid', '=', e.messageSid)
    .where('status_rank', '<', rank)
    .execute();
}

async function applyOne(tx: Tx, event: StoreEvent, compose: Composer): Promise<void> {
  if (!(await firstTime(tx, event.key, event.at))) return;
  switch (event.type) {
    case 'call-status':
      return applyCallStatus(tx, event);
    case 'call-step':
      return applyCallStep(tx, event);
    case 'voicemail':
      return applyVoicemail(tx, event, compose);
    case 'transcript':
      return applyTranscript(tx, event, compose);
    case 'message':
      return applyMessage(tx, event, compose);
    case 'message-status':
      return applyMessageStatus(tx, event);
  }
}

/** Writes a batch of events in one transaction: all of it, or (on an error) none of it. */
export async function applyEvents(db: Db, events: readonly StoreEvent[], compose: Composer): Promise<void> {
  if (events.length === 0) return;
  // The webhook path's usual batch, a call's status alone, is one statement: atomic without a transaction.
  const [only] = events;
  if (events.length === 1 && only?.type === 'call-status' && only.key === undefined) return applyCallStatus(db, only);
  await db.transaction().execute(async (tx) => {
    for (const event of events) await applyOne(tx, event, compose);
  });
}
