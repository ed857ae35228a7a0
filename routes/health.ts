// Route for liveness checks (Docker HEALTHCHECK, load balancer probes); not Twilio-facing, never signed:
//   GET /healthz — { status, version, uptime }
import type { RequestHandler } from 'express';

export function healthHandler(version: string): RequestHandler {
  return (_req, res) => {
    res.json({ status: 'ok', version, uptime: Math.round(process.uptime()) });
  };
}
