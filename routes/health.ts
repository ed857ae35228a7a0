// Routes for probes; not Twilio-facing, never signed:
//   GET /healthz — liveness: always 200 while the process serves; { status, version, uptime, store, spooled,
//                  deadLettered } with store "degraded" while writes fail or spooled events wait for replay
//   GET /readyz  — readiness: 200 when the database answers and nothing waits in the spool, else 503
import type { RequestHandler } from 'express';
import { within } from '../src/deadline';
import type { Recorder } from '../src/services/recorder';
import type { Store } from '../src/store/store';

/** How long the readiness probe waits for the database. */
const PING_TIMEOUT_MS = 2_000;

export function healthHandler(version: string, recorder: Recorder): RequestHandler {
  return (_req, res) => {
    const { degraded, spooled, deadLettered } = recorder.state();
    res.json({
      status: 'ok',
      version,
      uptime: Math.round(process.uptime()),
      store: degraded ? 'degraded' : 'ok',
      spooled,
      deadLettered,
    });
  };
}

export function readinessHandler(store: Store, recorder: Recorder): RequestHandler {
  return async (_req, res) => {
    const answered = await within(
      store.ready().then(() => store.ping()),
      PING_TIMEOUT_MS,
      () => new Error('no answer in time'),
    ).then(
      () => true,
      () => false,
    );
    const { spooled } = recorder.state();
    if (answered && spooled === 0) return void res.json({ status: 'ready', store: 'ok' });
    res.status(503).json({
      status: 'not ready',
      store: answered ? 'degraded' : 'unreachable',
      reason: answered ? `${spooled} spooled batches wait for replay` : 'the database does not answer',
      spooled,
    });
  };
}
