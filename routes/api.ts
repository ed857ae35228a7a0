// Routes of the authenticated HTTP API for our users' own code (not Twilio-facing, no signature check):
//   POST /api/calls          — place a call: { to, message | path, record?, from? } → 201 { sid, status }
//   POST /api/messages       — send an SMS: { to, body, mediaUrl? } → 201 { sid, status }
//   GET  /api/calls/:sid     — a call's current status
//   GET  /api/messages/:sid  — a message's current status
import { Router, type Request } from 'express';
import { z } from 'zod';
import { apiEnabled, authFailureLimit, bearerAuth, perTokenLimit, tokenCheck } from '../src/middleware/apiAuth';
import { ValidationError } from '../src/services/errors';
import type { OutboundService } from '../src/services/outbound';

export interface ApiOptions {
  readonly token: string | undefined;
  readonly rateLimitPerMinute: number;
  readonly outbound: OutboundService;
}

const callBody = z
  .object({
    to: z.string(),
    message: z.string().optional(),
    path: z.string().optional(),
    record: z.boolean().optional(),
    from: z.string().optional(),
  })
  .strict();

const messageBody = z
  .object({
    to: z.string(),
    body: z.string().optional(),
    mediaUrl: z.union([z.string(), z.array(z.string())]).optional(),
  })
  .strict();

/** The JSON body, checked against the schema; problems become a 400 naming each field. */
function jsonBody<T>(req: Request, schema: z.ZodType<T>): T {
  if (!req.is('application/json')) {
    throw new ValidationError([{ field: 'body', message: 'must be JSON (Content-Type: application/json)' }]);
  }
  const parsed = schema.safeParse(req.body);
  if (parsed.success) return parsed.data;
  throw new ValidationError(
    parsed.error.issues.map((issue) => ({
      field: issue.path.join('.') || (issue.code === 'unrecognized_keys' ? issue.keys.join(', ') : 'body'),
      message: issue.code === 'unrecognized_keys' ? 'is not a known field' : issue.message,
    })),
  );
}

export function apiRouter(options: ApiOptions): Router {
  const router = Router();
  router.use(apiEnabled(options.token));
  if (!options.token) return router;
  const hasToken = tokenCheck(options.token);
  router.use(authFailureLimit(hasToken), bearerAuth(hasToken), perTokenLimit(options.rateLimitPerMinute));
  const { outbound } = options;

  router.post('/calls', async (req, res) => {
    const created = await outbound.placeCall(jsonBody(req, callBody));
    res.status(201).location(`/api/calls/${created.sid}`).json(created);
  });

  router.post('/messages', async (req, res) => {
    const { to, body, mediaUrl } = jsonBody(req, messageBody);
    const media = mediaUrl === undefined ? undefined : Array.isArray(mediaUrl) ? mediaUrl : [mediaUrl];
    const created = await outbound.sendSms({ to, body: body ?? '', mediaUrl: media });
    res.status(201).location(`/api/messages/${created.sid}`).json(created);
  });

  router.get('/calls/:sid', async (req, res) => {
    res.json(await outbound.getCall(req.params.sid));
  });

  router.get('/messages/:sid', async (req, res) => {
    res.json(await outbound.getMessage(req.params.sid));
  });

  return router;
}
