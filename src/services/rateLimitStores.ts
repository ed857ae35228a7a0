// Owns where rate-limit counters live: in each process by default, or in Redis (REDIS_URL) so that several
// instances behind a load balancer share one budget. Redis failures let requests through (the limits shed
// load; the bearer token and the sign-in check still decide access) and are logged without the URL.
import { RedisStore } from 'rate-limit-redis';
import { createClient } from '@redis/client';
import type { Store as LimiterStore } from 'express-rate-limit';
import type { Logger } from '../logger';

export interface RateLimitStores {
  /** A store for one limiter (its own key prefix); undefined: express-rate-limit's memory store. */
  forLimiter(name: string): LimiterStore | undefined;
  close(): Promise<void>;
}

export function createRateLimitStores(redisUrl: string | undefined, logger: Logger): RateLimitStores {
  if (!redisUrl) return { forLimiter: () => undefined, close: async () => undefined };
  const client = createClient({
    url: redisUrl,
    socket: { connectTimeout: 5_000, reconnectStrategy: (retries) => Math.min(retries * 200, 5_000) },
  });
  let reported = false;
  client.on('error', (err: { code?: string; name?: string }) => {
    if (reported) return;
    reported = true;
    logger.error({ reason: err.code ?? err.name }, 'Redis unreachable: rate limits fail open until it is back');
  });
  client.on('ready', () => {
    if (reported) logger.info('Redis reachable again: rate limits shared');
    reported = false;
  });
  const connecting = client.connect().catch(() => undefined);
  return {
    forLimiter: (name) =>
      new RedisStore({
        prefix: `twiml-server:rl:${name}:`,
        sendCommand: async (...args: string[]) => {
          await connecting;
          return client.sendCommand(args);
        },
      }),
    async close() {
      await connecting;
      if (client.isOpen) await client.close();
    },
  };
}
