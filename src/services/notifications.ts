// Owns sending the outbox: e-mail through SMTP (nodemailer), SMS through the outbound service (so
// OUTBOUND_ALLOWLIST applies), marking each sent only once it was accepted, retrying with backoff, giving up
// after MAX_ATTEMPTS. What a notification says is views/notifications.ts. Log lines carry ids and reasons only:
// never an address, a number, a text or the SMTP URL (it holds credentials).
import { errorReason } from '../errorReason';
import { oneAtATime } from '../oneAtATime';
import { within } from '../deadline';
import nodemailer from 'nodemailer';
import type { Logger } from '../logger';
import type { DueNotification, OutboxTable } from '../store/outbox';
import { ServiceError, TwilioApiError } from './errors';
import type { OutboundService } from './outbound';

export const MAX_ATTEMPTS = 8;
const FIRST_RETRY_MS = 30_000;
const LONGEST_RETRY_MS = 3_600_000;

/** The wait before attempt `attempts + 1`: 30 s, 1 min, 2 min, … at most an hour. */
export function retryDelayMs(attempts: number): number {
  return Math.min(FIRST_RETRY_MS * 2 ** Math.max(0, attempts - 1), LONGEST_RETRY_MS);
}

export interface SenderSettings {
  readonly outbox: OutboxTable;
  readonly smtpUrl?: string;
  readonly fromEmail: string;
  readonly outbound: OutboundService;
  readonly logger: Logger;
  /** How often due notifications (retries) are looked for. */
  readonly intervalMs: number;
  readonly now?: () => Date;
}

export interface NotificationSender {
  /** Sends what is due now (new rows, retries whose time came); runs one pass at a time. */
  kick(): void;
  /** One pass; resolves when it is done (tests). */
  runOnce(): Promise<void>;
  start(): void;
  /**
   * Stops sending: no new claim, the delivery in progress may finish within `graceMs`, and every row this process
   * claimed but did not finish is released (pending again, its attempt not counted). Resolves when that is done.
   */
  stop(graceMs?: number): Promise<void>;
}

/** A failure worth retrying (the other side may accept later), or not (it never will). */
class DeliveryFailure extends Error {
  constructor(
    readonly reason: string,
    readonly permanent: boolean,
  ) {
    super(reason);
  }
}

export function createNotificationSender(settings: SenderSettings): NotificationSender {
  const { outbox, logger } = settings;
  const now = settings.now ?? (() => new Date());
  const mailer = settings.smtpUrl ? nodemailer.createTransport(settings.smtpUrl) : undefined;
  const fromDomain = settings.fromEmail.split('@')[1] ?? 'twiml-server.invalid';

  async function deliver(n: DueNotification): Promise<void> {
    if (n.channel === 'email') {
      if (!mailer) throw new DeliveryFailure('SMTP_URL is not set', true);
      try {
        await mailer.sendMail({
          from: settings.fromEmail,
          to: n.recipients.split(','),
          subject: n.subject,
          text: n.body,
          // The same id on every attempt: a mail client shows a rare second delivery once.
          messageId: `<notification-${n.id}.${n.topic.replace(/[^\w.-]/g, '-')}@${fromDomain}>`,
        });
      } catch (err) {
        const e = err as { code?: string; responseCode?: number };
        const permanent = typeof e.responseCode === 'number' && e.responseCode >= 500 && e.responseCode < 600;
        throw new DeliveryFailure(`SMTP ${e.responseCode ?? e.code ?? 'error'}`, permanent);
      }
      return;
    }
    try {
      await settings.outbound.sendSms({ to: n.recipients, body: n.body });
    } catch (err) {
      if (err instanceof TwilioApiError) {
        throw new DeliveryFailure(
          `Twilio ${err.twilio.code ?? err.httpStatus}`,
          err.httpStatus < 500 && err.httpStatus !== 429,
        );
      }
      if (err instanceof ServiceError) throw new DeliveryFailure(err.kind, err.httpStatus < 500);
      throw new DeliveryFailure('unexpected error', false);
    }
  }

  /** Rows claimed by this process and not yet marked sent or failed. */
  const claimed = new Set<number>();
  let stopping = false;

  async function pass(): Promise<void> {
    for (;;) {
      if (stopping) return;
      const due = await outbox.claimDue(now(), 10);
      if (due.length === 0) return;
      for (const n of due) claimed.add(n.id);
      for (const n of due) {
        if (stopping) return;
        try {
          await deliver(n);
          await outbox.markSent(n.id, now());
          claimed.delete(n.id);
          logger.info({ notification: n.id, topic: n.topic, channel: n.channel }, 'notification sent');
        } catch (err) {
          const failure = err instanceof DeliveryFailure ? err : new DeliveryFailure('unexpected error', false);
          const giveUp = failure.permanent || n.attempts >= MAX_ATTEMPTS;
          const retryAt = giveUp ? undefined : new Date(now().getTime() + retryDelayMs(n.attempts));
          await outbox.markFailed(n.id, failure.reason, retryAt);
          claimed.delete(n.id);
          logger.warn(
            {
              notification: n.id,
              topic: n.topic,
              channel: n.channel,
              attempts: n.attempts,
              reason: failure.reason,
              retryAt,
            },
            giveUp ? 'notification failed for good' : 'notification failed: will retry',
          );
        }
      }
    }
  }

  let timer: NodeJS.Timeout | undefined;
  // A row written while a pass runs may be past its claim query: one more pass follows.
  const runOnce = oneAtATime(
    () => pass().catch((err: unknown) => void logger.error({ reason: errorReason(err) }, 'outbox pass failed')),
    'again',
  );
  return {
    kick: () => void runOnce(),
    runOnce,
    start() {
      timer ??= setInterval(() => void runOnce(), settings.intervalMs);
      timer.unref();
    },
    async stop(graceMs = 2_000) {
      stopping = true;
      if (timer) clearInterval(timer);
      timer = undefined;
      // The delivery in progress may finish; past the grace its row is released like the others.
      const running = runOnce.inProgress();
      if (running) await within(running, graceMs, () => new Error('grace over')).catch(() => undefined);
      const unfinished = [...claimed];
      claimed.clear();
      await outbox
        .release(unfinished)
        .then(
          () =>
            unfinished.length > 0 &&
            logger.info({ released: unfinished.length }, 'outbox: claims released at shutdown'),
        )
        .catch((err: unknown) => logger.warn({ reason: errorReason(err) }, 'outbox: claims not released'));
      await mailer?.close();
    },
  };
}
