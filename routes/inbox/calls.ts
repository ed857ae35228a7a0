// The inbox's call log, filtered by number and status.
import type { Router } from 'express';
import { callList } from '../../views/inbox';
import type { InboxOptions, Render } from './common';

export function callRoutes(router: Router, options: InboxOptions, render: Render): void {
  const { store } = options;
  router.get('/calls', async (req, res) => {
    const number = typeof req.query.number === 'string' ? req.query.number.trim() : '';
    const status = typeof req.query.status === 'string' ? req.query.status.trim() : '';
    const filter = { limit: 200, ...(status ? { status } : {}) };
    const { items } = await store.queries.listCalls(number ? { ...filter, party: number } : filter);
    await render(res, 'calls', 'Calls · Inbox', callList(items, { number, status }));
  });
}
