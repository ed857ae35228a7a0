// Owns reading texts from the store: one by SID or a page of them, each with its status history, as the API
// documents them; and the inbox's threads (by the other party's number), grouped by the database.
import { sql } from 'kysely';
import type { Db } from './database';
import { childrenBySid, filtered, newestFirst, pageOf, type ListFilter, type Page } from './paging';

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

function parseMedia(text: string): string[] {
  try {
    const value: unknown = JSON.parse(text);
    return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
  } catch {
    return [];
  }
}

/** A text's other party: who sent an inbound one, who received ours; 'unknown' when the number is missing. */
const PARTY = sql<string>`coalesce(case when direction = 'inbound' then from_number else to_number end, 'unknown')`;

export function messageQueries(db: Db) {
  const statusesOf = (sids: string[]): Promise<Map<string, MessageStatusChange[]>> =>
    childrenBySid(
      sids,
      (page) =>
        db
          .selectFrom('message_statuses')
          .select(['message_sid', 'status', 'error_code', 'at'])
          .where('message_sid', 'in', page)
          .orderBy('id')
          .execute(),
      (r) => r.message_sid,
      (r) => ({ status: r.status, errorCode: r.error_code, at: r.at }),
    );

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

  return {
    async listMessages(filter: ListFilter): Promise<Page<StoredMessage>> {
      const rows = await newestFirst(messagesQuery(filter), 'created_at', { column: 'sid' }, filter).execute();
      const page = pageOf(rows, filter.limit, (r) => ({ at: r.created_at, id: r.sid }));
      return { items: await messagesFrom(page.items), next: page.next };
    },

    async getMessage(sid: string): Promise<StoredMessage | undefined> {
      const rows = await messagesQuery({}).where('sid', '=', sid).execute();
      return (await messagesFrom(rows))[0];
    },

    /**
     * The inbox's threads, one per other party (the sender of an inbound text, the recipient of ours), each as its
     * newest text, the threads newest first: grouped by the database over every text, however old.
     */
    async listThreads(limit: number): Promise<Array<{ readonly number: string; readonly last: StoredMessage }>> {
      const ranked = db
        .selectFrom('messages')
        .selectAll()
        .select([
          PARTY.as('party'),
          sql<number>`row_number() over (partition by ${PARTY} order by created_at desc, sid desc)`.as('place'),
        ]);
      const rows = await db
        .selectFrom(ranked.as('ranked'))
        .selectAll()
        .where('place', '=', 1)
        .orderBy('created_at', 'desc')
        .orderBy('sid', 'desc')
        .limit(limit)
        .execute();
      const last = await messagesFrom(rows);
      return rows.map((r, i) => ({ number: r.party, last: last[i] as StoredMessage }));
    },

    /** One thread: the newest `limit` texts with `number` as the other party, newest first. */
    async threadWith(number: string, limit: number): Promise<StoredMessage[]> {
      const rows = await db
        .selectFrom('messages')
        .selectAll()
        .where(PARTY, '=', number)
        .orderBy('created_at', 'desc')
        .orderBy('sid', 'desc')
        .limit(limit)
        .execute();
      return messagesFrom(rows);
    },
  };
}
