// A web server serving hand-written answers per path, recording every request (with its parameters and
// whether its X-Twilio-Signature is valid), so the simulator can be tested against exact TwiML.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { validateRequest } from 'twilio';
import { TEST_AUTH_TOKEN } from './config';

export interface Answer {
  readonly body?: string;
  readonly status?: number;
  readonly contentType?: string;
  readonly delayMs?: number;
}

export interface HostedRequest {
  readonly method: string;
  readonly path: string;
  readonly params: Record<string, string>;
  readonly signatureValid: boolean;
}

export interface TwimlHost {
  readonly url: string;
  readonly requests: HostedRequest[];
  /** Sets what a path answers: a TwiML string (text/xml, 200) or a full Answer. */
  set(path: string, answer: string | Answer): void;
  close(): Promise<void>;
}

export const twiml = (inner: string): string => `<?xml version="1.0" encoding="UTF-8"?><Response>${inner}</Response>`;

export async function startTwimlHost(): Promise<TwimlHost> {
  const answers = new Map<string, Answer>();
  const requests: HostedRequest[] = [];
  let base = '';
  const server = http.createServer(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    const url = new URL(req.url ?? '/', base);
    const bodyParams = Object.fromEntries(new URLSearchParams(body));
    const params = req.method === 'GET' ? Object.fromEntries(url.searchParams) : bodyParams;
    const signature = String(req.headers['x-twilio-signature'] ?? '');
    requests.push({
      method: req.method ?? '',
      path: url.pathname,
      params,
      signatureValid: validateRequest(
        TEST_AUTH_TOKEN,
        signature,
        base + (req.url ?? ''),
        req.method === 'GET' ? {} : bodyParams,
      ),
    });
    const answer = answers.get(url.pathname) ?? { status: 404, body: 'not found', contentType: 'text/plain' };
    if (answer.delayMs) await new Promise((r) => setTimeout(r, answer.delayMs));
    if (res.destroyed) return;
    res.writeHead(answer.status ?? 200, { 'Content-Type': answer.contentType ?? 'text/xml' });
    res.end(answer.body ?? '');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: base,
    requests,
    set: (path, answer) => answers.set(path, typeof answer === 'string' ? { body: answer } : answer),
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
