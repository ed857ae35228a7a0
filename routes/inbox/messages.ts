// The inbox's texts: the threads by the other party's number (grouped by the store), one thread, and a reply
// through the outbound service (so the allow-list applies), or the reason it was not sent.
import type { RequestHandler, Response, Router } from 'express';
import { E164 } from '../../src/formats';
import { ServiceError } from '../../src/services/errors';
import { threadList, threadPage, type Thread } from '../../views/inbox';
import { sessionOf, type InboxOptions, type Render } from './common';

/** Threads the list shows (the most recent), and texts one thread shows (its newest). */
const THREADS_LISTED = 200;
const THREAD_TEXTS = 500;

export function messageRoutes(router: Router, options: InboxOptions, render: Render, csrf: RequestHandler): void {
  const { store, sessions } = options;
  router.get('/messages', async (_req, res) => {
    const list: Thread[] = (await store.queries.listThreads(THREADS_LISTED)).map(({ number, last }) => ({
      number,
      last,
      unanswered: last.direction === 'inbound',
    }));
    await render(res, 'messages', 'Messages · Inbox', threadList(list, options.ourNumber));
  });

  const thread = async (res: Response, number: string, problem?: string, status = 200) => {
    const messages = await store.queries.threadWith(number, THREAD_TEXTS);
    const csrfToken = sessions.csrfToken(sessionOf(res));
    await render(res, 'messages', 'Messages · Inbox', threadPage(number, messages, csrfToken, problem), status);
  };

  router.get('/messages/:number', async (req, res) => {
    await thread(res, String(req.params.number));
  });

  router.post('/messages/:number/reply', csrf, async (req, res) => {
    const number = String(req.params.number);
    const body = ((req.body ?? {}) as Record<string, unknown>).body;
    if (!E164.test(number)) return thread(res, number, 'Replies go to phone numbers only.', 400);
    try {
      await options.outbound.sendSms({ to: number, body: typeof body === 'string' ? body : '' });
    } catch (err) {
      if (!(err instanceof ServiceError)) throw err;
      return thread(res, number, `Not sent: ${err.message}`, err.httpStatus);
    }
    res.redirect(303, `/inbox/messages/${encodeURIComponent(number)}`);
  });
}
