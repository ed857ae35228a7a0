// Owns where rate-limit counters live: in each process by default, or in Redis (REDIS_URL) so that several
// instances behind a load balancer share one budget. A Redis that is unreachable — never reached since the start,
// or gone later — lets requests through at once (the limits shed load; the bearer token and the sign-in check
// still decide access): no command waits for a connection (no offline queue), each is bounded in time, and the
// limiters' scripts are loaded again whenever Redis becomes ready. Failures are logged without the URL.
import { errorReason } from '../errorReason';
import { RedisStore } from 'rate-limit-redis';
import { createClient } from '@redis/client';
import type { ClientRateLimitInfo, Options as LimiterOptions, Store as LimiterStore } from 'express-rate-limit';
import { within } from '../deadline';
import type { Logger } from '../logger';

export interface RateLimitStores {
  /** A store for one limiter (its own key prefix); undefined: express-rate-limit's memory store. */
  forLimiter(name: string): LimiterStore | undefined;
  close(): Promise<void>;
}

/** How long one Redis command may take before the request goes on without it. */
const COMMAND_TIMEOUT_MS = 500;
/** How long the first requests after the start wait for Redis's first connection (refused: not at all). */
const FIRST_CONNECT_WAIT_MS = 1_000;

class RedisUnavailable extends Error {
  override name = 'RedisUnavailable';
}

/** What a limiter's store needs of the Redis client. */
interface Client {
  readonly isReady: boolean;
  sendCommand(args: string[]): Promise<unknown>;
}

/**
 * rate-limit-redis's store, used only while Redis is ready; otherwise every call fails at once, which the
 * limiters (passOnStoreError) turn into letting the request through.
 */
class FailOpenRedisStore implements LimiterStore {
  private readonly inner: RedisStore;
  private options?: LimiterOptions;
  private initialized?: Promise<void>;

  constructor(
    private readonly client: Client,
    readonly prefix: string,
    /** Settles when the first connection attempt has succeeded or failed (undefined once it has). */
    private readonly firstAttempt: () => Promise<void> | undefined,
  ) {
    this.inner = new RedisStore({
      prefix,
      sendCommand: (...args: string[]) => {
        if (!client.isReady) return Promise.reject(new RedisUnavailable('not connected'));
        return within(
          client.sendCommand(args),
          COMMAND_TIMEOUT_MS,
          () => new RedisUnavailable('no answer in time'),
        ) as Promise<never>;
      },
    });
  }

  init(options: LimiterOptions): void {
    this.options = options;
    this.ready();
  }

  /** (Re)loads the scripts once Redis is ready: at the start, and after every reconnection. */
  ready(): void {
    if (!this.options || !this.client.isReady) return;
    const loading = this.inner.init(this.options).catch(() => {
      if (this.initialized === loading) this.initialized = undefined;
    });
    this.initialized = loading;
  }

  private async usable(): Promise<RedisStore> {
    // Right after the start, the first connection may still be on its way: wait for it, briefly.
    const first = this.firstAttempt();
    if (!this.client.isReady && first)
      await within(first, FIRST_CONNECT_WAIT_MS, () => new RedisUnavailable('not connected yet')).catch(
        () => undefined,
      );
    if (!this.client.isReady) throw new RedisUnavailable('not connected');
    if (!this.initialized) this.ready();
    await this.initialized;
    if (!this.initialized) throw new RedisUnavailable('scripts not loaded');
    return this.inner;
  }

  async get(key: string): Promise<ClientRateLimitInfo | undefined> {
    return (await this.usable()).get(key);
  }
  async increment(key: string): Promise<ClientRateLimitInfo> {
    return (await this.usable()).increment(key);
  }
  async decrement(key: string): Promise<void> {
    return (await this.usable()).decrement(key);
  }
  async resetKey(key: string): Promise<void> {
    return (await this.usable()).resetKey(key);
  }
}

export function createRateLimitStores(redisUrl: string | undefined, logger: Logger): RateLimitStores {
  if (!redisUrl) return { forLimiter: () => undefined, close: async () => undefined };
  const client = createClient({
    url: redisUrl,
    // Commands sent while disconnected fail at once instead of waiting in a queue for a connection.
    disableOfflineQueue: true,
    socket: { connectTimeout: 2_000, reconnectStrategy: (retries) => Math.min(retries * 200, 5_000) },
  });
  const stores: FailOpenRedisStore[] = [];
  let reported = false;
  let firstAttempt: Promise<void> | undefined = new Promise<void>((resolve) => {
    const settle = () => {
      firstAttempt = undefined;
      resolve();
    };
    client.once('ready', settle);
    client.once('error', settle);
  });
  client.on('error', (err: unknown) => {
    if (reported) return;
    reported = true;
    logger.error({ reason: errorReason(err) }, 'Redis unreachable: rate limits fail open until it is back');
  });
  client.on('ready', () => {
    if (reported) logger.info('Redis reachable again: rate limits shared');
    reported = false;
    for (const store of stores) store.ready();
  });
  const connecting = client.connect().catch(() => undefined);
  return {
    forLimiter(name) {
      const store = new FailOpenRedisStore(client as unknown as Client, `twiml-server:rl:${name}:`, () => firstAttempt);
      stores.push(store);
      return store;
    },
    async close() {
      // A Redis that never answered: stop trying to reach it rather than wait for it.
      if (!client.isReady) client.destroy();
      else {
        await connecting;
        if (client.isOpen) await client.close();
      }
    },
  };
}
