// Owns how the store's lists are paged and filtered: newest first by (time, key), an opaque cursor naming where a
// page ended, one more row asked for to know whether a next page exists, and the number, status and direction
// filters calls and texts share; and a page's child rows, one query for the page.
import { sql, type SelectQueryBuilder } from 'kysely';
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

/** The first `limit` rows of a query that asked for one more, and the cursor after them when there are more. */
export function pageOf<T>(rows: T[], limit: number, cursorOf: (row: T) => Cursor): Page<T> {
  const more = rows.length > limit;
  const items = more ? rows.slice(0, limit) : rows;
  return { items, next: more ? encodeCursor(cursorOf(items[items.length - 1] as T)) : null };
}

/**
 * A page of a list keyed by (time, key), newest first: the rows after the cursor, plus one to tell whether a next
 * page exists. `key` is the row's tie-breaker (a SID, or a numeric id read from the cursor as a number).
 */
export function newestFirst<QB extends SelectQueryBuilder<Tables, 'calls' | 'messages' | 'voicemails', object>>(
  query: QB,
  timeColumn: 'started_at' | 'created_at',
  key: { readonly column: 'sid' | 'id'; readonly numeric?: boolean },
  filter: Pick<ListFilter, 'before' | 'limit'>,
): QB {
  const time = sql.ref(timeColumn);
  const id = sql.ref(key.column);
  const { before } = filter;
  const after = before
    ? query.where((eb) => {
        const last = key.numeric ? Number(before.id) : before.id;
        return eb.or([eb(time, '<', before.at), eb.and([eb(time, '=', before.at), eb(id, '<', last)])]);
      })
    : query;
  return after
    .orderBy(time, 'desc')
    .orderBy(id, 'desc')
    .limit(filter.limit + 1) as QB;
}

export /** The filters calls and texts share (their columns have the same names): numbers, status, direction. */
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

/**
 * The rows of a child table (a call's steps, a text's statuses) for each of a page's SIDs, in the order `load`
 * returns them; every SID gets a list, empty when it has none. One query for the whole page.
 */
export async function childrenBySid<R, C>(
  sids: readonly string[],
  load: (sids: string[]) => Promise<R[]>,
  sidOf: (row: R) => string,
  childOf: (row: R) => C,
): Promise<Map<string, C[]>> {
  const children = new Map<string, C[]>(sids.map((sid) => [sid, []]));
  if (sids.length === 0) return children;
  for (const row of await load([...sids])) children.get(sidOf(row))?.push(childOf(row));
  return children;
}
