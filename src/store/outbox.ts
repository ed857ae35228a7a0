// Owns the outbox table's life cycle: claiming due notifications (a lease, so one instance sends each and a
// crashed sender's claim runs out), marking them sent or scheduling the next attempt, and listing them.
import type { Db } from './database';
import type { NotificationsTable } from './schema';
import { pageOf, type Cursor } from './paging';

export interface DueNotification {
  readonly id: number;
  readonly topic: string;
  readonly channel: 'email' | 'sms';
  readonly recipients: string;
  readonly subject: string;
  readonly body: string;
  readonly attempts: number;
}

/** How long a claim holds: a send that outlives it may be tried again by another instance. */
const LEASE_MS = 120_000;

export function createOutboxTable(db: Db) {
  return {
    /** Claims up to `limit` notifications that are due (or whose sender's lease ran out). */
    async claimDue(now: Date, limit: number): Promise<DueNotification[]> {
      const at = now.toISOString();
      const candidates = await db
        .selectFrom('notifications')
        .select(['id'])
        .where((eb) =>
          eb.or([
            eb.and([eb('status', '=', 'pending'), eb('next_attempt_at', '<=', at)]),
            eb.and([eb('status', '=', 'sending'), eb('lease_until', '<', at)]),
          ]),
        )
        // Voicemails first, however many texts are waiting; then the oldest.
        .orderBy('priority')
        .orderBy('next_attempt_at')
        .limit(limit)
        .execute();
      const claimed: DueNotification[] = [];
      for (const { id } of candidates) {
        // The conditional update is the claim: of two instances racing for a row, one changes it.
        const row = await db
          .updateTable('notifications')
          .set((eb) => ({
            status: 'sending',
            lease_until: new Date(now.getTime() + LEASE_MS).toISOString(),
            attempts: eb('attempts', '+', 1),
          }))
          .where('id', '=', id)
          .where((eb) =>
            eb.or([
              eb.and([eb('status', '=', 'pending'), eb('next_attempt_at', '<=', at)]),
              eb.and([eb('status', '=', 'sending'), eb('lease_until', '<', at)]),
            ]),
          )
          .returning(['id', 'topic', 'channel', 'recipients', 'subject', 'body', 'attempts'])
          .executeTakeFirst();
        if (row) claimed.push({ ...row, id: Number(row.id), attempts: Number(row.attempts) });
      }
      return claimed;
    },

    async markSent(id: number, now: Date): Promise<void> {
      await db
        .updateTable('notifications')
        .set({ status: 'sent', sent_at: now.toISOString(), lease_until: null, last_error: null })
        .where('id', '=', id)
        .execute();
    },

    /**
     * Gives back rows this process claimed but will not send (it is shutting down): pending again at once, the
     * claim's attempt not counted, so another instance or the next start sends them without waiting for the lease.
     */
    async release(ids: readonly number[]): Promise<void> {
      if (ids.length === 0) return;
      await db
        .updateTable('notifications')
        .set((eb) => ({ status: 'pending', lease_until: null, attempts: eb('attempts', '-', 1) }))
        .where('id', 'in', [...ids])
        .where('status', '=', 'sending')
        .execute();
    },

    /** Another attempt at `retryAt`, or `failed` for good when retryAt is undefined. */
    async markFailed(id: number, reason: string, retryAt: Date | undefined): Promise<void> {
      await db
        .updateTable('notifications')
        .set({
          status: retryAt ? 'pending' : 'failed',
          next_attempt_at: retryAt ? retryAt.toISOString() : undefined,
          lease_until: null,
          last_error: reason.slice(0, 500),
        })
        .where('id', '=', id)
        .execute();
    },

    /** Newest first, paged like the store's other lists (the cursor is the last row's time and id). */
    async list(filter: { status?: NotificationsTable['status']; before?: Cursor; limit: number }) {
      let query = db
        .selectFrom('notifications')
        .select([
          'id',
          'topic',
          'channel',
          'status',
          'attempts',
          'next_attempt_at',
          'last_error',
          'created_at',
          'sent_at',
        ])
        .orderBy('id', 'desc')
        .limit(filter.limit + 1);
      if (filter.status) query = query.where('status', '=', filter.status);
      const before = filter.before;
      if (before && /^\d{1,15}$/.test(before.id)) query = query.where('id', '<', Number(before.id));
      return pageOf(await query.execute(), filter.limit, (row) => ({ at: row.created_at, id: String(row.id) }));
    },
  };
}

export type OutboxTable = ReturnType<typeof createOutboxTable>;
