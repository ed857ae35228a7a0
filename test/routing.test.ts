// chain(): several middleware as one Express layer. Every way a middleware can fail — next(err), a throw, a
// rejected promise from an async middleware (recordEvents is one, on every webhook chain) — must reach the
// error handler as one answer, never an unhandled rejection that ends the process; and the rest of the chain
// must not run after a failure.
import express, { type ErrorRequestHandler, type RequestHandler } from 'express';
import request from 'supertest';
import { NO_CONTENT, chain, mountWebhooks, viewsOf, type TwimlAnswer, type TwimlView } from '../src/http/routing';

function appWith(...handlers: RequestHandler[]) {
  const ran: string[] = [];
  const app = express();
  const answer: RequestHandler = (_req, res) => void (ran.push('route'), res.status(200).send('ok'));
  app.get('/', chain(...handlers), answer);
  const onError: ErrorRequestHandler = (err: Error, _req, res, _next) =>
    void (ran.push(`error: ${err.message}`), res.status(500).json({ error: err.message }));
  app.use(onError);
  return { app, ran };
}

describe('when a middleware in a chain fails', () => {
  const later: RequestHandler = (_req, _res, next) => next();

  it.each<[string, RequestHandler, string]>([
    ['passes an error to next', (_req, _res, next) => next(new Error('passed')), 'passed'],
    [
      'throws',
      () => {
        throw new Error('thrown');
      },
      'thrown',
    ],
    ['rejects (an async middleware)', async () => Promise.reject(new Error('rejected')), 'rejected'],
    [
      'rejects after awaiting',
      async () => {
        await new Promise((r) => setTimeout(r, 5));
        throw new Error('rejected later');
      },
      'rejected later',
    ],
    // A rejection without a reason is still a failure, never a next() that lets the chain go on.
    ['rejects with no reason', async () => Promise.reject(undefined), 'rejected'],
    [
      'throws nothing',
      () => {
        throw undefined; // eslint-disable-line @typescript-eslint/only-throw-error
      },
      'thrown',
    ],
  ])(
    'then one that %s reaches the error handler with its error, and nothing after it runs',
    async (_, failing, message) => {
      let after = false;
      const { app, ran } = appWith(failing, (req, res, next) => ((after = true), later(req, res, next)));
      const res = await request(app).get('/').timeout(2000);
      expect(res.status).toBe(500);
      expect(ran).toEqual([`error: ${message}`]);
      expect(after).toBe(false);
    },
  );

  it('then an async middleware that resolves after calling next runs the chain once, to the route', async () => {
    const { app, ran } = appWith(async (_req, _res, next) => {
      await Promise.resolve();
      next();
    }, later);
    const res = await request(app).get('/').timeout(2000);
    expect([res.status, ran]).toEqual([200, ['route']]);
  });
});

describe('when route tables are mounted', () => {
  const mounted = (routes: Parameters<typeof mountWebhooks>[3]) => {
    const app = express();
    const onError: ErrorRequestHandler = (err: Error, _req, res, _next) =>
      void res.status(500).json({ error: err.message });
    mountWebhooks(app, [], () => (_req, _res, next) => next(), routes);
    app.use(onError);
    return app;
  };
  const events = () => [];

  it('then only the entries with a view are views, by their path', () => {
    const view: TwimlView = () => NO_CONTENT;
    const views = viewsOf({
      '/a': { twiml: view, events },
      '/b': { handler: (_req, res) => void res.end(), events },
    });
    expect([...views]).toEqual([['/a', view]]);
  });

  it('then a view with nothing to say answers 204, on GET and POST, whether it answers at once or later', async () => {
    const app = mounted({
      '/now': { twiml: () => NO_CONTENT, events },
      '/later': { twiml: async (): Promise<TwimlAnswer> => NO_CONTENT, events },
    });
    for (const path of ['/now', '/later']) {
      expect((await request(app).get(path)).status).toBe(204);
      expect((await request(app).post(path)).status).toBe(204);
    }
  });

  it('then a view that fails, at once or later, reaches the error handler with its error', async () => {
    const app = mounted({
      '/throws': {
        twiml: () => {
          throw new Error('at once');
        },
        events,
      },
      '/rejects': { twiml: async () => Promise.reject(new Error('later')), events },
    });
    expect((await request(app).get('/throws')).body).toEqual({ error: 'at once' });
    expect((await request(app).get('/rejects').timeout(2000)).body).toEqual({ error: 'later' });
  });
});
