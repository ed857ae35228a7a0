// Owns forgetting: rows older than RETENTION_DAYS are deleted (calls with their path, voicemails, messages
// with their statuses, notifications already sent or given up), and the idempotency ledger after a week
// whatever the retention (Twilio retries within hours, never days).
import type { Db } from './database';

const DAY_MS = 86_400_000;
export const LEDGER_DAYS = 7;

export interface Purged {
  readonly calls: number;
  readonly voicemails: number;
  readonly messages: number;
  readonly notifications: number;
  readonly events: number;
}

const count = (r: { numDeletedRows: bigint }[]): number => r.reduce((n, x) => n + Number(x.numDeletedRows), 0);

/** Deletes what is older than `retentionDays` before `now` (0: keeps everything but the ledger's old keys). */
export async function purgeOld(db: Db, retentionDays: number, now: Date): Promise<Purged> {
  const ledgerCutoff = new Date(now.getTime() - LEDGER_DAYS * DAY_MS).toISOString();
  const events = count(await db.deleteFrom('events').where('received_at', '<', ledgerCutoff).execute());
  // Signed-out sessions only need remembering until their cookies expire.
  await db.deleteFrom('inbox_sign_outs').where('expires_at', '<', now.toISOString()).execute();
  if (retentionDays === 0) return { calls: 0, voicemails: 0, messages: 0, notifications: 0, events };
  const cutoff = new Date(now.getTime() - retentionDays * DAY_MS).toISOString();
  return db.transaction().execute(async (tx) => {
    const oldCalls = tx.selectFrom('calls').select('sid').where('started_at', '<', cutoff);
    await tx.deleteFrom('call_steps').where('call_sid', 'in', oldCalls).execute();
    const calls = count(await tx.deleteFrom('calls').where('started_at', '<', cutoff).execute());
    const voicemails = count(await tx.deleteFrom('voicemails').where('created_at', '<', cutoff).execute());
    const oldMessages = tx.selectFrom('messages').select('sid').where('created_at', '<', cutoff);
    await tx.deleteFrom('message_statuses').where('message_sid', 'in', oldMessages).execute();
    const messages = count(await tx.deleteFrom('messages').where('created_at', '<', cutoff).execute());
    const notifications = count(
      await tx
        .deleteFrom('notifications')
        .where('created_at', '<', cutoff)
        .where('status', 'in', ['sent', 'failed'])
        .execute(),
    );
    return { calls, voicemails, messages, notifications, events };
  });
}
