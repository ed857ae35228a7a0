// Our app on a real loopback port, with PUBLIC_BASE_URL set to exactly that origin (as in production), so a
// simulator can call it over HTTP and every signature is checked against the configured public URL.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import { backgroundOf, createApp } from '../../src/app';
import { captureLogs, type CapturedLogs } from './logs';
import { testConfig } from './config';

export interface RunningApp {
  readonly url: string;
  readonly app: Express;
  readonly logs: CapturedLogs;
  close(): Promise<void>;
}

export interface AppServerOptions {
  /** user:password for PUBLIC_BASE_URL (webhooks with HTTP authentication); `url` stays without them. */
  readonly credentials?: string;
}

export async function startAppServer(
  overrides: Record<string, string | undefined> = {},
  options: AppServerOptions = {},
): Promise<RunningApp> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const base = options.credentials ? url.replace('://', `://${options.credentials}@`) : url;
  const logs = captureLogs();
  const app = createApp(testConfig({ PUBLIC_BASE_URL: base, ...overrides }), { logger: logs.logger });
  server.on('request', app);
  return {
    url,
    app,
    logs,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      // The store's connections (a PostgreSQL pool) and timers end with the server.
      await backgroundOf(app).stop();
    },
  };
}
