// Route for liveness checks (Docker HEALTHCHECK, load balancer probes); not Twilio-facing, never signed:
//   GET /healthz — { status, version, uptime }
import { Router } from 'express';

export function healthRouter(version: string): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok', version, uptime: Math.round(process.uptime()) });
  });
  return router;
}
