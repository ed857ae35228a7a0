// Owns the store's change marker: a short text that changes whenever anything the inbox shows changes, the same
// on every instance, so the inbox's live updates poll one query instead of each table.
import { createHash } from 'node:crypto';
import type { Db } from './database';

export function changeMarkerOf(db: Db) {
  return {
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
  };
}
