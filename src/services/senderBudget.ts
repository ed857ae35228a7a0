// Owns counting how much of a per-window budget one sender has used (the auto-replies of src/messaging/senderLimits.ts):
// in the rate-limit store, so instances sharing Redis share the count, keyed by the sender's hashed number and
// the window. A store that fails (Redis gone) does not lift the bound: this process counts instead.
import { MemoryStore, type Options as LimiterOptions, type Store as LimiterStore } from 'express-rate-limit';
import { senderKey, windowStart } from '../messaging/senderLimits';

export interface SenderBudget {
  /** Takes one unit of the sender's budget for the window holding `now`: false once it is spent. */
  take(sender: string, now?: Date): Promise<boolean>;
}

export interface SenderBudgetSettings {
  readonly perWindow: number;
  readonly windowMs: number;
  /** Shared counters (Redis); undefined: this process only. */
  readonly store?: LimiterStore;
}

export function createSenderBudget(settings: SenderBudgetSettings): SenderBudget {
  // Entries live as long as their window: the key names the window, so a later one starts from zero.
  const options = { windowMs: settings.windowMs } as LimiterOptions;
  const local = new MemoryStore();
  local.init(options);
  const shared = settings.store;
  void shared?.init?.(options);
  const count = async (key: string): Promise<number> => {
    if (shared) {
      try {
        return (await shared.increment(key)).totalHits;
      } catch {
        // Redis is unreachable: fall through to this process's count.
      }
    }
    return (await local.increment(key)).totalHits;
  };
  return {
    async take(sender, now = new Date()) {
      const hits = await count(`${senderKey(sender)}:${windowStart(now, settings.windowMs).getTime()}`);
      return hits <= settings.perWindow;
    },
  };
}
