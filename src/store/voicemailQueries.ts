// Owns voicemails in the store as the API and the inbox read them: one or a page (silent ones on request), how
// many are still unheard, and the listened mark (the first time counts).
import type { Db } from './database';
import { newestFirst, pageOf, type ListFilter, type Page } from './paging';

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

export function voicemailQueries(db: Db) {
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
    async listVoicemails(filter: ListFilter): Promise<Page<StoredVoicemail>> {
      let query = voicemailsQuery();
      if (!filter.includeSilent) query = query.where('silent', '=', 0);
      if (filter.from) query = query.where('from_number', '=', filter.from);
      if (filter.to) query = query.where('to_number', '=', filter.to);
      if (filter.status === 'listened') query = query.where('listened_at', 'is not', null);
      if (filter.status === 'unlistened') query = query.where('listened_at', 'is', null);
      const rows = await newestFirst(query, 'created_at', { column: 'id', numeric: true }, filter).execute();
      const page = pageOf(rows, filter.limit, (r) => ({ at: r.created_at, id: String(r.id) }));
      return { items: page.items.map(voicemailFrom), next: page.next };
    },

    async getVoicemail(id: number): Promise<StoredVoicemail | undefined> {
      const row = await voicemailsQuery().where('id', '=', id).executeTakeFirst();
      return row && voicemailFrom(row);
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
