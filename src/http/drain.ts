// Owns stopping the HTTP server without resetting a connection a client is using. Node's server.close() destroys
// every keep-alive socket that is idle at that instant, and on a busy line some of them already carry the
// client's next request (sent, not yet read): the client sees ECONNRESET for a request the server never answered.
// Draining instead: no new connections; every response from now on says `Connection: close` (so the client opens
// no further request on it and Node closes the socket after it); a socket with no request in flight is closed
// only once it stayed idle for IDLE_GRACE_MS, so a request already on its way is answered first.
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import net, { type Socket } from 'node:net';

/** How long a socket with no request in flight may stay open once draining began. */
export const IDLE_GRACE_MS = 500;

export interface Drain {
  /** Stops accepting connections and closes the open ones as they fall idle; `done` once all are closed. */
  start(done: (err?: Error) => void): void;
}

export function drainOnClose(server: Server): Drain {
  const inFlight = new Map<Socket, number>();
  const open = new Set<Socket>();
  let draining = false;

  const closeWhenIdle = (socket: Socket) => {
    setTimeout(() => {
      if (!inFlight.has(socket)) socket.destroy();
    }, IDLE_GRACE_MS).unref();
  };

  server.on('connection', (socket: Socket) => {
    open.add(socket);
    socket.once('close', () => {
      open.delete(socket);
      inFlight.delete(socket);
    });
  });
  // Before the app's own listener: the header must be set before anything is written.
  server.prependListener('request', (req: IncomingMessage, res: ServerResponse) => {
    const socket = req.socket;
    inFlight.set(socket, (inFlight.get(socket) ?? 0) + 1);
    if (draining) res.setHeader('Connection', 'close');
    res.once('close', () => {
      const left = (inFlight.get(socket) ?? 1) - 1;
      if (left > 0) inFlight.set(socket, left);
      else inFlight.delete(socket);
      if (draining && left <= 0 && !socket.destroyed) closeWhenIdle(socket);
    });
  });

  return {
    start(done) {
      draining = true;
      // net.Server's own close: stop listening, call back once every connection is gone. (http.Server's close
      // would first destroy the idle keep-alive sockets, requests on their way included.)
      net.Server.prototype.close.call(server, done);
      for (const socket of open) if (!inFlight.has(socket)) closeWhenIdle(socket);
    },
  };
}
