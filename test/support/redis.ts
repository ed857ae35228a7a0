// Test support: whether the Redis this machine runs (127.0.0.1:6379) answers, and a port where nothing listens.
import net from 'node:net';

export const LOCAL_REDIS_URL = 'redis://127.0.0.1:6379';

export const redisUp = (): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = net.connect(6379, '127.0.0.1');
    socket.setTimeout(500);
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => (socket.destroy(), resolve(false)));
  });

/** A local port where nothing listens: every connection attempt is refused. */
export const closedPort = (): Promise<number> =>
  new Promise<number>((resolve) => {
    const probe = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
