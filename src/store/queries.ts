// Owns reading the store for the API: calls (with their path), voicemails and messages (with their status
// history), newest first, paged by an opaque cursor, filtered by number, status and direction. Rows come
// out as the API documents them (camelCase, numbers and flags typed); nothing here knows HTTP.
import { createHash } from 'node:crypto';
import { sql, type SelectQueryBuilder } from 'kysely';
import type { Db } from './database';
import type { Tables } from './schema';

export interface ListFilter {
  readonly from?: string;
  readonly to?: string;
  /** Calls and texts: this number on either side (from or to). */
  readonly party?: string;
  readonly status?: string;
  readonly direction?: string;
  /** Voicemails only: list silent recordings as well. */
  readonly includeSilent?: boolean;
  /** A cursor from a previous page's `next`. */
  readonly before?: Cursor;
  readonly limit: number;
}

/** Where a page ended: the sort time and the row's id of its last item. */
export interface Cursor {
  readonly at: string;
  readonly id: string;
}

export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify([cursor.at, cursor.id])).toString('base64url');
}

/** undefined when the text is not a cursor this server made. */
export function decodeCursor(text: string): Cursor | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    if (
      Array.isArray(value) &&
      value.length === 2 &&
      value.every((v) => typeof v === 'string' || typeof v === 'number')
    )
      return { at: String(value[0]), id: String(value[1]) };
  } catch {
    // not JSON: not ours
  }
  return undefined;
}

export interface Page<T> {
  readonly items: T[];
  /** Pass as `before` for the next (older) page; null on the last page. */
  readonly next: string | null;
}

export interface CallStep {
  readonly at: string;
  readonly kind: string;
  readonly detail: string | null;
}

export interface StoredCall {
  readonly sid: string;
  readonly direction: string | null;
  readonly from: string | null;
  readonly to: string | null;
  readonly status: string;
  readonly startedAt: string;
  readonly answeredAt: string | null;
  readonly endedAt: string | null;
  readonly durationSeconds: number | null;
  readonly errorCode: string | null;
  readonly path: CallStep[];
}

export interface StoredVoicemail {
  readonly id: number;
  readonly callSid: string | null;
  readonly recordingSid: string;
  readonly from: string | null;
  readonly to: string | null;
  readonly durationSeconds: number | null;
  readonly silent: boolean;
  readonly source: string | null;
  readonly transcript: string | null;
  readonly transcriptStatus: string | null;
  readonly listened: boolean;
  readonly listenedAt: string | null;
  readonly createdAt: string;
}

export interface MessageStatusChange {
  readonly status: string;
  readonly errorCode: string | null;
  readonly at: string;
}

export interface StoredMessage {
  readonly sid: string;
  readonly direction: string | null;
  readonly from: string | null;
  readonly to: string | null;
  readonly body: string | null;
  readonly mediaUrls: string[];
  readonly status: string;
  readonly errorCode: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly statuses: MessageStatusChange[];
}

/** The first `limit` rows of a query that asked for one more, and the cursor after them when there are more. */
export function pageOf<T>(rows: T[], limit: number, cursorOf: (row: T) => Cursor): Page<T> {
  const more = rows.length > limit;
  const items = more ? rows.slice(0, limit) : rows;
  return { items, next: more ? encodeCursor(cursorOf(items[items.length - 1] as T)) : null };
}

/**
 * A page of a list keyed by (time, sid), newest first: the rows after the cursor, plus one to tell whether a
 * next page exists.
 */
function newestFirst<QB extends SelectQueryBuilder<Tables, 'calls' | 'messages', object>>(
  query: QB,
  timeColumn: 'started_at' | 'created_at',
  filter: Pick<ListFilter, 'before' | 'limit'>,
): QB {
  const time = sql.ref(timeColumn);
  const sid = sql.ref('sid');
  const { before } = filter;
  const after = before
    ? query.where((eb) =>
        eb.or([eb(time, '<', before.at), eb.and([eb(time, '=', before.at), eb(sid, '<', before.id)])]),
      )
    : query;
  return after
    .orderBy(time, 'desc')
    .orderBy(sid, 'desc')
    .limit(filter.limit + 1) as QB;
}

/** The filters calls and texts share (their columns have the same names): numbers, status, direction. */
function filtered<QB extends SelectQueryBuilder<Tables, 'calls' | 'messages', object>>(
  query: QB,
  filter: Omit<ListFilter, 'limit' | 'before'>,
): QB {
  const [from, to] = [sql.ref('from_number'), sql.ref('to_number')];
  const { party } = filter;
  let q = query;
  if (filter.from) q = q.where(from, '=', filter.from) as QB;
  if (filter.to) q = q.where(to, '=', filter.to) as QB;
  if (party) q = q.where((eb) => eb.or([eb(from, '=', party), eb(to, '=', party)])) as QB;
  if (filter.status) q = q.where(sql.ref('status'), '=', filter.status) as QB;
  if (filter.direction) q = q.where(sql.ref('direction'), '=', filter.direction) as QB;
  return q;
}

function parseMedia(text: string): string[] {
  try {
    const value: unknown = JSON.parse(text);
    return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
  } catch {
    return [];
  }
}

export function createQueries(db: Db) {
  async function pathsOf(sids: string[]): Promise<Map<string, CallStep[]>> {
    const paths = new Map<string, CallStep[]>(sids.map((sid) => [sid, []]));
    if (sids.length === 0) return paths;
    const steps = await db
      .selectFrom('call_steps')
      .select(['call_sid', 'at', 'kind', 'detail'])
      .where('call_sid', 'in', sids)
      .orderBy('id')
      .execute();
    for (const s of steps) paths.get(s.call_sid)?.push({ at: s.at, kind: s.kind, detail: s.detail });
    return paths;
  }

  async function statusesOf(sids: string[]): Promise<Map<string, MessageStatusChange[]>> {
    const history = new Map<string, MessageStatusChange[]>(sids.map((sid) => [sid, []]));
    if (sids.length === 0) return history;
    const rows = await db
      .selectFrom('message_statuses')
      .select(['message_sid', 'status', 'error_code', 'at'])
      .where('message_sid', 'in', sids)
      .orderBy('id')
      .execute();
    for (const r of rows) history.get(r.message_sid)?.push({ status: r.status, errorCode: r.error_code, at: r.at });
    return history;
  }

  function callsQuery(filter: Omit<ListFilter, 'limit' | 'before'>) {
    return filtered(db.selectFrom('calls').selectAll(), filter);
  }

  async function callsFrom(rows: Awaited<ReturnType<ReturnType<typeof callsQuery>['execute']>>): Promise<StoredCall[]> {
    const paths = await pathsOf(rows.map((r) => r.sid));
    return rows.map((r) => ({
      sid: r.sid,
      direction: r.direction,
      from: r.from_number,
      to: r.to_number,
      status: r.status,
      startedAt: r.started_at,
      answeredAt: r.answered_at,
      endedAt: r.ended_at,
      durationSeconds: r.duration_seconds === null ? null : Number(r.duration_seconds),
      errorCode: r.error_code,
      path: paths.get(r.sid) ?? [],
    }));
  }

  function messagesQuery(filter: Omit<ListFilter, 'limit' | 'before'>) {
    return filtered(db.selectFrom('messages').selectAll(), filter);
  }

  async function messagesFrom(
    rows: Awaited<ReturnType<ReturnType<typeof messagesQuery>['execute']>>,
  ): Promise<StoredMessage[]> {
    const history = await statusesOf(rows.map((r) => r.sid));
    return rows.map((r) => ({
      sid: r.sid,
      direction: r.direction,
      from: r.from_number,
      to: r.to_number,
      body: r.body,
      mediaUrls: parseMedia(r.media_urls),
      status: r.status,
      errorCode: r.error_code,
      createdAt: r.created_at,
      updatedAt: r.updated_at,
      statuses: history.get(r.sid) ?? [],
    }));
  }

  function voicemailsQuery() {
    return db
      .selectFrom('voicemails')
      .select([
        'id',
        'call_sid',
        'recording_sid',
        'from_number',
        'to_number',
        'duration_seconds',
        'silent',
        'source',
        'transcript',
        'transcript_status',
        'listened_at',
        'created_at',
      ]);
  }

  function voicemailFrom(r: Awaited<ReturnType<ReturnType<typeof voicemailsQuery>['executeTakeFirstOrThrow']>>) {
    return {
      id: Number(r.id),
      callSid: r.call_sid,
      recordingSid: r.recording_sid,
      from: r.from_number,
      to: r.to_number,
      durationSeconds: r.duration_seconds === null ? null : Number(r.duration_seconds),
      silent: Number(r.silent) === 1,
      source: r.source,
      transcript: r.transcript,
      transcriptStatus: r.transcript_status,
      listened: r.listened_at !== null,
      listenedAt: r.listened_at,
      createdAt: r.created_at,
    } satisfies StoredVoicemail;
  }

  return {
    async listCalls(filter: ListFilter): Promise<Page<StoredCall>> {
      const rows = await newestFirst(callsQuery(filter), 'started_at', filter).execute();
      const page = pageOf(rows, filter.limit, (r) => ({ at: r.started_at, id: r.sid }));
      return { items: await callsFrom(page.items), next: page.next };
    },

    async getCall(sid: string): Promise<StoredCall | undefined> {
      const rows = await callsQuery({}).where('sid', '=', sid).execute();
      return (await callsFrom(rows))[0];
    },

    async listMessages(filter: ListFilter): Promise<Page<StoredMessage>> {
      const rows = await newestFirst(messagesQuery(filter), 'created_at', filter).execute();
      const page = pageOf(rows, filter.limit, (r) => ({ at: r.created_at, id: r.sid }));
      return { items: await messagesFrom(page.items), next: page.next };
    },

    async getMessage(sid: string): Promise<StoredMessage | undefined> {
      const rows = await messagesQuery({}).where('sid', '=', sid).execute();
      return (await messagesFrom(rows))[0];
    },

    async listVoicemails(filter: ListFilter): Promise<Page<StoredVoicemail>> {
      let query = voicemailsQuery();
      if (!filter.includeSilent) query = query.where('silent', '=', 0);
      if (filter.from) query = query.where('from_number', '=', filter.from);
      if (filter.to) query = query.where('to_number', '=', filter.to);
      if (filter.status === 'listened') query = query.where('listened_at', 'is not', null);
      if (filter.status === 'unlistened') query = query.where('listened_at', 'is', null);
      const before = filter.before;
      if (before) {
        const id = Number(before.id);
        query = query.where((eb) =>
          eb.or([eb('created_at', '<', before.at), eb.and([eb('created_at', '=', before.at), eb('id', '<', id)])]),
        );
      }
      const rows = await query
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(filter.limit + 1)
        .execute();
      const page = pageOf(rows, filter.limit, (r) => ({ at: r.created_at, id: String(r.id) }));
      return { items: page.items.map(voicemailFrom), next: page.next };
    },

    async getVoicemail(id: number): Promise<StoredVoicemail | undefined> {
      const row = await voicemailsQuery().where('id', '=', id).executeTakeFirst();
      return row && voicemailFrom(row);
    },

    /**
     * A text that changes whenever anything the inbox shows changes (a new or updated call, text, voicemail,
     * transcript or listened mark), read by every instance alike: the inbox's live updates poll it.
     */
    async changeMarker(): Promise<string> {
      const [calls, messages, voicemails] = await Promise.all([
        db
          .selectFrom('calls')
          .select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.max('updated_at').as('at')])
          .executeTakeFirst(),
        db
          .selectFrom('messages')
          .select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.max('updated_at').as('at')])
          .executeTakeFirst(),
        db
          .selectFrom('voicemails')
          .select((eb) => [
            eb.fn.countAll<number>().as('n'),
            eb.fn.max('id').as('id'),
            eb.fn.count<number>('transcript').as('transcripts'),
            eb.fn.count<number>('listened_at').as('listened'),
          ])
          .executeTakeFirst(),
      ]);
      return createHash('sha256')
        .update(JSON.stringify([calls, messages, voicemails]))
        .digest('base64url')
        .slice(0, 22);
    },

    /** Ends an inbox session for good (its cookie is refused from now on, on every instance). */
    async signOut(nonce: string, expiresAt: string): Promise<void> {
      await db
        .insertInto('inbox_sign_outs')
        .values({ nonce, expires_at: expiresAt })
        .onConflict((oc) => oc.column('nonce').doNothing())
        .execute();
    },

    async isSignedOut(nonce: string): Promise<boolean> {
      const row = await db.selectFrom('inbox_sign_outs').select('nonce').where('nonce', '=', nonce).executeTakeFirst();
      return row !== undefined;
    },

    /** Voicemails (not silent) nobody has listened to yet. */
    async countUnlistened(): Promise<number> {
      const row = await db
        .selectFrom('voicemails')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('silent', '=', 0)
        .where('listened_at', 'is', null)
        .executeTakeFirst();
      return Number(row?.n ?? 0);
    },

    /** Marks a voicemail listened (the first time counts); false when there is no such voicemail. */
    async markListened(id: number, at: string): Promise<boolean> {
      await db
        .updateTable('voicemails')
        .set({ listened_at: at })
        .where('id', '=', id)
        .where('listened_at', 'is', null)
        .execute();
      const row = await db.selectFrom('voicemails').select('id').where('id', '=', id).executeTakeFirst();
      return row !== undefined;
    },
  };
}

export type Queries = ReturnType<typeof createQueries>;
