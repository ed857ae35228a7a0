// Owns reading calls from the store: one by SID or a page of them, each with its path through the menu, as the
// API documents them (camelCase, numbers typed).
import type { Db } from './database';
import { childrenBySid, filtered, newestFirst, pageOf, type ListFilter, type Page } from './paging';

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

export function callQueries(db: Db) {
  const pathsOf = (sids: string[]): Promise<Map<string, CallStep[]>> =>
    childrenBySid(
      sids,
      (page) =>
        db
          .selectFrom('call_steps')
          .select(['call_sid', 'at', 'kind', 'detail'])
          .where('call_sid', 'in', page)
          .orderBy('id')
          .execute(),
      (s) => s.call_sid,
      (s) => ({ at: s.at, kind: s.kind, detail: s.detail }),
    );

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

  return {
    async listCalls(filter: ListFilter): Promise<Page<StoredCall>> {
      const rows = await newestFirst(callsQuery(filter), 'started_at', { column: 'sid' }, filter).execute();
      const page = pageOf(rows, filter.limit, (r) => ({ at: r.started_at, id: r.sid }));
      return { items: await callsFrom(page.items), next: page.next };
    },

    async getCall(sid: string): Promise<StoredCall | undefined> {
      const rows = await callsQuery({}).where('sid', '=', sid).execute();
      return (await callsFrom(rows))[0];
    },
  };
}
