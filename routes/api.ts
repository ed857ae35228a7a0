// Routes of the authenticated HTTP API for our users' own code (not Twilio-facing, no signature check):
//   POST /api/calls                     — place a call: { to, message | path, record?, from? } → 201 { sid, status }
//   POST /api/messages                  — send an SMS: { to, body, mediaUrl? } → 201 { sid, status }
//   GET  /api/calls                     — stored calls, newest first: ?before=&limit=&from=&to=&status=&direction=
//   GET  /api/calls/:sid                — one call: from the store, Twilio asked only for what it lacks
//   GET  /api/messages                  — stored texts, newest first (same paging and filters)
//   GET  /api/messages/:sid             — one text, like a call
//   GET  /api/voicemails                — voicemails, newest first: ?before=&limit=&from=&to=&status=(un)listened&include=silent
//   GET  /api/voicemails/:id            — one voicemail
//   POST /api/voicemails/:id/listened   — mark it listened → 204
//   GET  /api/voicemails/:id/audio      — the recording (MP3), streamed from Twilio with the account's credentials
//   GET  /api/notifications             — the outbox, newest first: ?status=pending|sending|sent|failed&before=&limit=
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { sendRecordingAudio } from '../src/http/recordingAudio';
import { apiEnabled, authFailureLimit, bearerAuth, perTokenLimit, tokenCheck } from '../src/middleware/apiAuth';
import { ServiceError, ValidationError } from '../src/services/errors';
import type { OutboundService } from '../src/services/outbound';
import type { RecordingSource } from '../src/services/recordings';
import type { RateLimitStores } from '../src/services/rateLimitStores';
import { isFinalCallStatus, isFinalMessageStatus } from '../src/store/events';
import { decodeCursor, type Cursor, type ListFilter } from '../src/store/paging';
import type { Store } from '../src/store/store';

export interface ApiOptions {
  readonly token: string | undefined;
  readonly rateLimitPerMinute: number;
  readonly outbound: OutboundService;
  readonly store: Store;
  readonly recordings: RecordingSource;
  readonly rateLimitStores: RateLimitStores;
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

const MAX_PAGE = 200;
const DEFAULT_PAGE = 50;

const listQuery = z
  .object({
    before: z.string().max(200).optional(),
    limit: z
      .string()
      .regex(/^\d{1,3}$/, 'must be a whole number from 1 to 200')
      .transform(Number)
      .refine((n) => n >= 1 && n <= MAX_PAGE, 'must be a whole number from 1 to 200')
      .optional(),
    from: z.string().max(64).optional(),
    to: z.string().max(64).optional(),
    status: z.string().max(32).optional(),
    direction: z.string().max(32).optional(),
    include: z.enum(['silent']).optional(),
  })
  .strict();

const outboxQuery = z
  .object({
    status: z.enum(['pending', 'sending', 'sent', 'failed']).optional(),
    before: listQuery.shape.before,
    limit: listQuery.shape.limit,
  })
  .strict();

function problemsOf(issues: z.core.$ZodIssue[]): ValidationError {
  return new ValidationError(
    issues.map((issue) => ({
      field: issue.path.join('.') || (issue.code === 'unrecognized_keys' ? issue.keys.join(', ') : 'body'),
      message: issue.code === 'unrecognized_keys' ? 'is not a known field' : issue.message,
    })),
  );
}

/** The JSON body, checked against the schema; problems become a 400 naming each field. */
function jsonBody<T>(req: Request, schema: z.ZodType<T>): T {
  if (!req.is('application/json')) {
    throw new ValidationError([{ field: 'body', message: 'must be JSON (Content-Type: application/json)' }]);
  }
  const parsed = schema.safeParse(req.body);
  if (parsed.success) return parsed.data;
  throw problemsOf(parsed.error.issues);
}

/** Control characters (U+0000 among them, which PostgreSQL cannot hold in text) are in no number, status or cursor. */
const CONTROL = /[\u0000-\u001f\u007f]/;

/**
 * A previous page's `next`, as this server made it: a time and a row key, with no control character; for
 * voicemails the key is their numeric id. Anything else is a 400 naming `before`, on every database alike.
 */
function cursorFrom(before: string | undefined, key: 'sid' | 'numeric id'): Cursor | undefined {
  if (before === undefined) return undefined;
  const cursor = decodeCursor(before);
  const fits =
    cursor !== undefined &&
    !CONTROL.test(cursor.at) &&
    !Number.isNaN(Date.parse(cursor.at)) &&
    (key === 'sid' ? cursor.id.length <= 100 && !CONTROL.test(cursor.id) : /^\d{1,15}$/.test(cursor.id));
  if (!fits) throw new ValidationError([{ field: 'before', message: "must be a previous page's next value" }]);
  return cursor;
}

/** A list's query string: paging and filters; an unknown parameter or a foreign cursor is a 400. */
function listFilter(req: Request, key: 'sid' | 'numeric id' = 'sid'): ListFilter {
  const parsed = listQuery.safeParse(req.query);
  if (!parsed.success) throw problemsOf(parsed.error.issues);
  const { before, limit, include, ...filters } = parsed.data;
  const bad = Object.entries(filters).find(([, value]) => value !== undefined && CONTROL.test(value));
  if (bad) throw new ValidationError([{ field: bad[0], message: 'must not contain control characters' }]);
  return {
    ...filters,
    before: cursorFrom(before, key),
    limit: limit ?? DEFAULT_PAGE,
    includeSilent: include === 'silent',
  };
}

function voicemailId(req: Request): number {
  const id = String(req.params.id);
  if (!/^\d{1,15}$/.test(id))
    throw new ValidationError([{ field: 'id', message: 'must be a voicemail id (a number)' }]);
  return Number(id);
}

const notFound = (res: Response, what: string) => void res.status(404).json({ error: `No such ${what}.` });

/** Twilio's answer when the store lacks something; the stored row when Twilio cannot be asked. */
async function storeThenTwilio<S extends { status: string }, T>(
  stored: S | undefined,
  final: (status: string) => boolean,
  ask: () => Promise<T>,
  merge: (stored: S | undefined, twilio: T) => unknown,
): Promise<unknown> {
  if (stored && final(stored.status)) return { ...stored, source: 'store' };
  try {
    return { ...(merge(stored, await ask()) as object), source: stored ? 'store+twilio' : 'twilio' };
  } catch (err) {
    // What we hold wins over whatever Twilio says about it (not found in this account, unreachable, no
    // credentials): the row is answered as stored, with the reason Twilio could not add to it.
    if (stored && err instanceof ServiceError) return { ...stored, source: 'store', twilio: err.message };
    throw err;
  }
}

export function apiRouter(options: ApiOptions): Router {
  const router = Router();
  router.use(apiEnabled(options.token));
  if (!options.token) return router;
  const hasToken = tokenCheck(options.token);
  const { outbound, store, recordings, rateLimitStores } = options;
  router.use(
    authFailureLimit(hasToken, rateLimitStores.forLimiter('auth-failures')),
    bearerAuth(hasToken),
    perTokenLimit(options.rateLimitPerMinute, rateLimitStores.forLimiter('per-token')),
  );

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

  router.get('/calls', async (req, res) => {
    res.json(await store.queries.listCalls(listFilter(req)));
  });

  router.get('/calls/:sid', async (req, res) => {
    const sid = req.params.sid;
    const stored = await store.queries.getCall(sid);
    const answer = await storeThenTwilio(
      stored,
      isFinalCallStatus,
      () => outbound.getCall(sid),
      (s, t) => ({
        sid: t.sid,
        direction: s?.direction ?? t.direction,
        from: s?.from ?? t.from,
        to: s?.to ?? t.to,
        status: t.status,
        startedAt: s?.startedAt ?? t.startTime,
        answeredAt: s?.answeredAt ?? null,
        endedAt: t.endTime ?? s?.endedAt ?? null,
        durationSeconds: t.duration === null ? (s?.durationSeconds ?? null) : Number(t.duration),
        errorCode: s?.errorCode ?? null,
        path: s?.path ?? [],
      }),
    );
    res.json(answer);
  });

  router.get('/messages', async (req, res) => {
    res.json(await store.queries.listMessages(listFilter(req)));
  });

  router.get('/messages/:sid', async (req, res) => {
    const sid = req.params.sid;
    const stored = await store.queries.getMessage(sid);
    const answer = await storeThenTwilio(
      stored,
      isFinalMessageStatus,
      () => outbound.getMessage(sid),
      (s, t) => ({
        sid: t.sid,
        direction: s?.direction ?? t.direction,
        from: s?.from ?? t.from,
        to: s?.to ?? t.to,
        body: s?.body ?? t.body,
        mediaUrls: s?.mediaUrls ?? [],
        status: t.status,
        errorCode: t.errorCode === null ? (s?.errorCode ?? null) : String(t.errorCode),
        createdAt: s?.createdAt ?? t.dateSent,
        updatedAt: s?.updatedAt ?? t.dateSent,
        statuses: s?.statuses ?? [],
      }),
    );
    res.json(answer);
  });

  router.get('/voicemails', async (req, res) => {
    res.json(await store.queries.listVoicemails(listFilter(req, 'numeric id')));
  });

  router.get('/voicemails/:id', async (req, res) => {
    const voicemail = await store.queries.getVoicemail(voicemailId(req));
    if (!voicemail) return notFound(res, 'voicemail');
    res.json(voicemail);
  });

  router.post('/voicemails/:id/listened', async (req, res) => {
    if (!(await store.queries.markListened(voicemailId(req), new Date().toISOString()))) {
      return notFound(res, 'voicemail');
    }
    res.status(204).end();
  });

  router.get('/voicemails/:id/audio', async (req, res) => {
    const voicemail = await store.queries.getVoicemail(voicemailId(req));
    if (!voicemail) return notFound(res, 'voicemail');
    sendRecordingAudio(res, await recordings.fetch(voicemail.recordingSid, req.get('range')));
  });

  router.get('/notifications', async (req, res) => {
    const parsed = outboxQuery.safeParse(req.query);
    if (!parsed.success) throw problemsOf(parsed.error.issues);
    const { status, before, limit } = parsed.data;
    res.json(
      await store.outbox.list({ status, before: cursorFrom(before, 'numeric id'), limit: limit ?? DEFAULT_PAGE }),
    );
  });

  return router;
}
