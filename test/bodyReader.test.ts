// The body reader on its own, over real HTTP: charset and encoding headers, the size limit before and while
// reading, form repeats, every JSON branch, a broken or aborted upload, and that it leaves no listener behind.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type ErrorRequestHandler } from 'express';
import request from 'supertest';
import { bodyReader } from '../src/http/bodyReader';

const LIMIT = 64;

interface Outcome {
  status?: number;
  message?: string;
  body?: unknown;
  rawBody?: string;
  listeners?: number;
}

function readerApp(outcomes: Outcome[] = []) {
  const app = express();
  app.use(bodyReader(LIMIT));
  app.use((req, res) => {
    const listeners = ['data', 'end', 'error', 'aborted'].reduce((n, e) => n + req.listenerCount(e), 0);
    const outcome = { body: req.body, rawBody: req.rawBody, listeners };
    outcomes.push(outcome);
    res.json(outcome);
  });
  const onError: ErrorRequestHandler = (err, _req, res, _next) => {
    const outcome = { status: err.status, message: err.message };
    outcomes.push(outcome);
    if (!res.headersSent) res.status(err.status ?? 500).json(outcome);
  };
  app.use(onError);
  return app;
}

/**
 * One POST over a real socket, written by `write` (supertest cannot send headers alone, a body cut short or an
 * abort). Resolves with the answer, or with status 0 when the client ended the exchange without one.
 */
async function exchange(
  app: express.Express,
  headers: http.OutgoingHttpHeaders,
  write: (req: http.ClientRequest) => void,
): Promise<{ status: number; text: string }> {
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  try {
    return await new Promise((resolve) => {
      const req = http.request({
        port,
        host: '127.0.0.1',
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      });
      req.on('response', (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      });
      req.on('error', () => resolve({ status: 0, text: '' }));
      req.on('close', () => resolve({ status: 0, text: '' }));
      write(req);
    });
  } finally {
    server.closeAllConnections();
    server.close();
  }
}

const form = (type = 'application/x-www-form-urlencoded') => request(readerApp()).post('/').type(type);

describe('headers alone', () => {
  test.each([
    ['application/x-www-form-urlencoded; charset=ISO-8859-1', 'ISO-8859-1'],
    ['application/x-www-form-urlencoded;charset=latin1', 'LATIN1'],
    ['application/x-www-form-urlencoded ; Charset = "utf-16"', 'UTF-16'],
    ['application/json;\tCHARSET="Windows-1252"', 'WINDOWS-1252'],
  ])('%s is refused with 415 naming the charset', async (type, shown) => {
    const res = await form(type).send('a=1');
    expect(res.status).toBe(415);
    expect(res.body.message).toBe(`unsupported charset "${shown}"`);
  });

  test.each([
    'application/x-www-form-urlencoded; charset=UTF-8',
    'application/x-www-form-urlencoded; charset="utf8"',
    'application/x-www-form-urlencoded; charset=US-ASCII',
    'application/x-www-form-urlencoded',
  ])('%s is read', async (type) => {
    const res = await form(type).send('a=1');
    expect(res.status).toBe(200);
    expect(res.body.body).toEqual({ a: '1' });
  });

  test('a compressed body is refused with 415 naming the encoding; identity in any case is read', async () => {
    const gz = await form().set('Content-Encoding', 'gzip').send('a=1');
    expect(gz.status).toBe(415);
    expect(gz.body.message).toBe('unsupported content encoding "gzip"');
    const identity = await form().set('Content-Encoding', 'IDENTITY').send('a=1');
    expect(identity.status).toBe(200);
    expect(identity.body.body).toEqual({ a: '1' });
  });

  test('a declared length over the limit is answered 413 before any byte is sent', async () => {
    // Headers only: a reader that waited for the body would never answer.
    const answer = await exchange(readerApp(), { 'content-length': String(LIMIT + 1) }, (req) => req.flushHeaders());
    expect(answer.status).toBe(413);
  });
});

describe('size limit while reading', () => {
  test('exactly the limit is read, one byte more is 413', async () => {
    const at = 'a=' + 'x'.repeat(LIMIT - 2);
    const ok = await form().send(at);
    expect(ok.status).toBe(200);
    expect((ok.body.body as { a: string }).a).toHaveLength(LIMIT - 2);
    const over = await form().send(at + 'x');
    expect(over.status).toBe(413);
    expect(over.body.message).toBe('request entity too large');
  });

  test('a chunked upload (no Content-Length) is cut at the limit', async () => {
    const answer = await exchange(readerApp(), { 'transfer-encoding': 'chunked' }, (req) => {
      req.write('a=' + 'x'.repeat(LIMIT - 2));
      req.end('y');
    });
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.text).message).toBe('request entity too large');
  });
});

describe('form bodies', () => {
  test('repeats become one array in order; a lone key stays a string', async () => {
    const res = await form().send('To=1&To=2&To=3&From=x');
    expect(res.body.body).toEqual({ To: ['1', '2', '3'], From: 'x' });
  });

  test('more than 1000 pairs are refused with 413', async () => {
    const app = express();
    app.use(bodyReader(100_000));
    app.use((req, res) => res.json(Object.keys(req.body).length));
    app.use(((err, _req, res, _next) => res.status(err.status).send(err.message)) as ErrorRequestHandler);
    const pairs = (n: number) => Array.from({ length: n }, (_, i) => `k${i}=1`).join('&');
    const at = await request(app).post('/').type('form').send(pairs(1000));
    expect(at.body).toBe(1000);
    const over = await request(app).post('/').type('form').send(pairs(1001));
    expect(over.status).toBe(413);
    expect(over.text).toBe('too many parameters');
  });

  test('the reader leaves no listener on the request', async () => {
    const res = await form().send('a=1');
    expect(res.body.listeners).toBe(0);
  });
});

describe('JSON bodies', () => {
  const json = (text: string) => request(readerApp()).post('/').set('Content-Type', 'application/json').send(text);

  test.each([
    ['{"a":1}', { a: 1 }],
    ['[1,2]', [1, 2]],
    ['', {}],
    ['  \n', {}],
  ])('%j is read as %j and kept raw', async (text, body) => {
    const res = await json(text);
    expect(res.status).toBe(200);
    expect(res.body.body).toEqual(body);
    expect(res.body.rawBody).toBe(text);
  });

  test.each([
    ['5', 'JSON body must be an object or an array'],
    ['"text"', 'JSON body must be an object or an array'],
    ['null', 'JSON body must be an object or an array'],
    ['{"a":', 'malformed JSON body'],
  ])('%j is refused with 400: %s', async (text, message) => {
    const res = await json(text);
    expect(res.status).toBe(400);
    expect(res.body.message).toBe(message);
  });
});

describe('broken uploads', () => {
  test('a stream error while reading answers 400', async () => {
    const app = express();
    app.use((req, _res, next) => {
      next();
      setImmediate(() => req.emit('error', new Error('socket trouble')));
    });
    app.use(bodyReader(LIMIT));
    app.use((_req, res) => res.json('read'));
    app.use(((err, _req, res, _next) => res.status(err.status).send(err.message)) as ErrorRequestHandler);
    // Part of the body, and then only the error ends the read.
    const answer = await exchange(app, { 'content-length': '10' }, (req) => req.write('a=1'));
    expect(answer).toEqual({ status: 400, text: 'request body could not be read' });
  });

  test('a client that aborts mid-upload ends the read once, as 400', async () => {
    const outcomes: Outcome[] = [];
    await exchange(readerApp(outcomes), { 'content-length': '40' }, (req) => {
      req.write('a=1', () => setTimeout(() => req.destroy(), 50));
    });
    for (let i = 0; i < 50 && outcomes.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, 50));
    expect(outcomes).toEqual([{ status: 400, message: 'request aborted' }]);
  });
});
