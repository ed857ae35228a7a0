// Owns outbound calls and SMS through the Twilio REST API: validation, the toll-fraud allow-list, the
// absolute URLs on our own server that Twilio calls back, and turning every Twilio failure into a
// ServiceError. HTTP-free: it never sees req/res, so the API and the CLI share it.
import { CALL_SID, MESSAGE_SID } from '../formats';
import twilio from 'twilio';
import type { Logger } from '../logger';
import {
  DestinationNotAllowedError,
  OutboundUnavailableError,
  ServiceError,
  TwilioApiError,
  TwilioUnreachableError,
  ValidationError,
  type FieldProblem,
} from './errors';
import { toE164, type Allowlist } from '../policy/phoneNumbers';
import type { TwilioClient } from './twilioClient';
import type { StoreEvent } from '../store/events';

export interface PlaceCallInput {
  readonly to: string;
  /** Spoken (or played, for an http URL) through our /twiml/message twimlet. */
  readonly message?: string;
  /** Or: a path on our server whose TwiML runs the call, e.g. /voice. */
  readonly path?: string;
  readonly record?: boolean;
  readonly from?: string;
}

export interface SendSmsInput {
  readonly to: string;
  readonly body: string;
  readonly mediaUrl?: readonly string[];
}

export interface Created {
  readonly sid: string;
  readonly status: string;
}

export interface CallStatus extends Created {
  readonly direction: string;
  readonly from: string;
  readonly to: string;
  readonly duration: string | null;
  readonly startTime: string | null;
  readonly endTime: string | null;
}

export interface MessageStatus extends Created {
  readonly direction: string;
  /** The text as Twilio holds it (empty for media alone). */
  readonly body: string;
  readonly from: string;
  readonly to: string;
  readonly numSegments: string;
  readonly errorCode: number | null;
  readonly errorMessage: string | null;
  readonly dateSent: string | null;
}

export interface OutboundService {
  placeCall(input: PlaceCallInput): Promise<Created>;
  sendSms(input: SendSmsInput): Promise<Created>;
  getCall(sid: string): Promise<CallStatus>;
  getMessage(sid: string): Promise<MessageStatus>;
}

/** What a path's route answers for an outbound call: fine, or why the call must not be placed. */
export type CallPathVerdict =
  | { readonly ok: true }
  | { readonly ok: false; readonly problem: 'unknown-route' | 'bad-route' | 'refused'; readonly reason: string };

/** Checks a `path` before a call runs it (in the app: the route's own answer, through the egress policy). */
export type CallPathCheck = (
  path: string,
  call: { readonly from: string; readonly to: string },
) => Promise<CallPathVerdict>;

export interface OutboundDeps {
  /** undefined when no credentials are configured: every operation answers 503. */
  readonly client: TwilioClient | undefined;
  /** TWILIO_PHONE_NUMBER: the caller ID / sender unless a call names its own. */
  readonly from: string | undefined;
  readonly publicBaseUrl: string | undefined;
  readonly allowlist: Allowlist;
  /** Every `path` a call would run is checked by it first; without one, calls with a path are refused. */
  readonly checkCallPath?: CallPathCheck;
  readonly defaultCountry?: 'US';
  /** For error messages only: the client enforces it. */
  readonly timeoutMs?: number;
  readonly logger: Logger;
  /** Keeps what was created (the call or message, who, what) in the store; never throws. */
  readonly record?: (events: StoreEvent[]) => Promise<void>;
}

const CALL_EVENTS = ['initiated', 'ringing', 'answered', 'completed'];
const MAX_MESSAGE_CHARS = 1000; // it travels in the call's URL
const MAX_SMS_CHARS = 1600; // Twilio's limit for one message body
const MAX_MEDIA = 10;
const SAFE_PATH = /^\/(?!\/)[A-Za-z0-9\-._~!$&'()*+,;=:@%/?[\]]*$/;

/** A date from Twilio's answer as ISO 8601; null when absent or unparseable (never a RangeError, never a 500). */
const isoOrNull = (d: Date | null | undefined): string | null =>
  d instanceof Date && !Number.isNaN(d.getTime()) ? d.toISOString() : null;

/**
 * A created resource's SID from Twilio's answer. A 2xx without one cannot be told apart from a success we
 * can follow up: say so (502) instead of answering 201 with no SID, and tell the caller not to retry blindly
 * (the call or message may exist).
 */
function createdSid(sid: unknown, pattern: RegExp, what: string): string {
  if (typeof sid === 'string' && pattern.test(sid)) return sid;
  throw new TwilioUnreachableError(
    502,
    `Twilio accepted the ${what} but its answer has no ${what} SID: look it up in the Twilio console before trying again`,
  );
}

/** Collects field problems and throws them together, so a caller fixes everything in one go. */
class Problems {
  private readonly list: FieldProblem[] = [];
  add(field: string, message: string): void {
    this.list.push({ field, message });
  }
  throwIfAny(): void {
    if (this.list.length > 0) throw new ValidationError(this.list);
  }
}

/** Transport failures keep only their error code: axios errors carry the Authorization header in config. */
function translateFailure(err: unknown, timeoutMs: string): ServiceError {
  if (err instanceof ServiceError) return err;
  if (err instanceof twilio.RestException) {
    return new TwilioApiError({ status: err.status, code: err.code, message: err.message, moreInfo: err.moreInfo });
  }
  const code = (err as { code?: unknown }).code;
  if (code === 'ECONNABORTED' || code === 'ETIMEDOUT') {
    return new TwilioUnreachableError(504, `Twilio did not answer within ${timeoutMs}`);
  }
  if (typeof code === 'string' && /^E[A-Z_]+$/.test(code)) {
    return new TwilioUnreachableError(502, `Could not reach Twilio (${code})`);
  }
  if (err instanceof SyntaxError)
    return new TwilioUnreachableError(502, 'Twilio answered with something that is not JSON');
  return new TwilioUnreachableError(502, 'Unexpected failure talking to Twilio');
}

/** The messaging half of the outbound service: texts, and reading one back. */
export type MessagingService = Pick<OutboundService, 'sendSms' | 'getMessage'>;
/** The calling half: placing a call (its path checked first) and reading one back. */
export type CallingService = Pick<OutboundService, 'placeCall' | 'getCall'>;

export function createOutbound(deps: OutboundDeps): OutboundService {
  const parts = outboundParts(deps);
  return { ...parts.messaging, ...parts.callingWith(deps.checkCallPath) };
}

/**
 * The outbound service in its two halves over one client: texts need nothing of the routes, while a call's path
 * is checked by asking a route's view, and some views (the conference's) send texts. So the composition builds the
 * messaging half, then the routes, then the calling half with the path check (no forward reference).
 */
export function outboundParts(deps: Omit<OutboundDeps, 'checkCallPath'>): {
  readonly messaging: MessagingService;
  callingWith(checkCallPath: CallPathCheck | undefined): CallingService;
} {
  const { logger } = deps;
  const timeoutLabel = deps.timeoutMs ? `${deps.timeoutMs} ms` : 'the timeout';

  function destination(raw: unknown, problems: Problems): string | undefined {
    if (typeof raw !== 'string' || raw.trim() === '') {
      problems.add('to', 'is required');
      return undefined;
    }
    const e164 = toE164(raw, deps.defaultCountry);
    if (!e164) {
      problems.add(
        'to',
        deps.defaultCountry === 'US'
          ? 'must be an E.164 number such as +14155551212, or a US number such as (415) 555-1212'
          : 'must be an E.164 number such as +14155551212',
      );
    }
    return e164;
  }

  /** The toll-fraud guard: only numbers the operator listed in OUTBOUND_ALLOWLIST are ever dialled or texted. */
  function assertAllowed(to: string, action: string): void {
    const reason = deps.allowlist.refusal(to);
    if (!reason) return;
    // The number stays out of the log (it is personal data); the caller's answer names it.
    logger.warn({ action, reason }, 'outbound destination refused');
    throw new DestinationNotAllowedError(
      reason === 'no OUTBOUND_ALLOWLIST'
        ? 'Outbound calls and messages are disabled: set OUTBOUND_ALLOWLIST to the numbers or prefixes you allow, e.g. +15551234567,+1*'
        : `${to} is not in OUTBOUND_ALLOWLIST`,
    );
  }

  /** The route a call would run must be ours, answer voice TwiML, and pass the egress policy. */
  async function assertPathAllowed(
    check: CallPathCheck | undefined,
    path: string,
    call: { from: string; to: string },
  ): Promise<void> {
    if (!check) throw new OutboundUnavailableError('Calls with a path are not available here');
    const verdict = await check(path, call);
    if (verdict.ok) return;
    logger.warn({ problem: verdict.problem, reason: verdict.reason }, 'outbound call path refused');
    if (verdict.problem === 'refused') {
      throw new DestinationNotAllowedError(`path: the route's TwiML breaks the egress policy: ${verdict.reason}`);
    }
    throw new ValidationError([{ field: 'path', message: verdict.reason }]);
  }

  function ready(needsPublicUrl: boolean): { client: TwilioClient; baseUrl: string } {
    if (!deps.client) {
      throw new OutboundUnavailableError(
        'Twilio credentials are not configured: set TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN (or TWILIO_API_KEY and TWILIO_API_SECRET)',
      );
    }
    if (needsPublicUrl && !deps.publicBaseUrl) {
      throw new OutboundUnavailableError(
        'PUBLIC_BASE_URL is not set: Twilio needs an absolute URL on this server to fetch TwiML and post status callbacks',
      );
    }
    return { client: deps.client, baseUrl: deps.publicBaseUrl ?? '' };
  }

  async function talkToTwilio<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      const failure = translateFailure(err, timeoutLabel);
      // Twilio's message can quote the number ("Invalid 'To' Phone Number: +1…"): the code is logged, not it.
      const code = failure instanceof TwilioApiError ? failure.twilio.code : undefined;
      logger.error({ operation, kind: failure.kind, httpStatus: failure.httpStatus, code }, 'Twilio request failed');
      throw failure;
    }
  }

  const messaging: MessagingService = {
    async sendSms(input) {
      const problems = new Problems();
      const to = destination(input.to, problems);
      const body = typeof input.body === 'string' ? input.body : '';
      const media = input.mediaUrl ?? [];
      if (body.trim() === '' && media.length === 0) problems.add('body', 'is required (or give mediaUrl)');
      if (body.length > MAX_SMS_CHARS) problems.add('body', `must be at most ${MAX_SMS_CHARS} characters`);
      if (media.length > MAX_MEDIA) problems.add('mediaUrl', `at most ${MAX_MEDIA} URLs`);
      media.forEach((m, i) => {
        if (!/^https?:\/\/[^\s]+$/i.test(m)) problems.add(`mediaUrl[${i}]`, 'must be an http(s) URL');
      });
      problems.throwIfAny();
      assertAllowed(to as string, 'sms');
      const { client, baseUrl } = ready(true);
      if (!deps.from) throw new OutboundUnavailableError('No sender: set TWILIO_PHONE_NUMBER');

      const message = await talkToTwilio('messages.create', () =>
        client.messages.create({
          to: to as string,
          from: deps.from as string,
          ...(body.trim() !== '' ? { body } : {}),
          ...(media.length > 0 ? { mediaUrl: [...media] } : {}),
          statusCallback: `${baseUrl}/callbacks/message-status`,
        }),
      );
      const sid = createdSid(message.sid, MESSAGE_SID, 'message');
      logger.info({ messageSid: sid, status: message.status }, 'outbound message sent');
      await deps.record?.([
        {
          type: 'message',
          at: new Date().toISOString(),
          messageSid: sid,
          direction: 'outbound-api',
          from: deps.from,
          to: to as string,
          body,
          mediaUrls: [...media],
          status: message.status || 'queued',
        },
      ]);
      return { sid, status: message.status };
    },

    async getMessage(sid) {
      if (!MESSAGE_SID.test(sid)) {
        throw new ValidationError([{ field: 'sid', message: 'must be a Message SID: SM or MM + 32 hex characters' }]);
      }
      const { client } = ready(false);
      const message = await talkToTwilio('messages.fetch', () => client.messages(sid).fetch());
      return {
        sid: message.sid,
        status: message.status,
        direction: message.direction,
        from: message.from,
        to: message.to,
        body: message.body ?? '',
        numSegments: message.numSegments,
        errorCode: message.errorCode ?? null,
        errorMessage: message.errorMessage ?? null,
        dateSent: isoOrNull(message.dateSent),
      };
    },
  };
  return {
    messaging,
    callingWith: (checkCallPath) => ({
      async placeCall(input) {
        const problems = new Problems();
        const to = destination(input.to, problems);
        const hasMessage = typeof input.message === 'string' && input.message.trim() !== '';
        const hasPath = typeof input.path === 'string' && input.path !== '';
        if (hasMessage === hasPath) problems.add('message', 'give exactly one of message or path');
        if (hasMessage && (input.message as string).length > MAX_MESSAGE_CHARS) {
          problems.add('message', `must be at most ${MAX_MESSAGE_CHARS} characters`);
        }
        if (hasPath && (!SAFE_PATH.test(input.path as string) || (input.path as string).length > 1000)) {
          problems.add('path', 'must be a path on this server starting with /, such as /voice');
        }
        let from = deps.from;
        if (input.from !== undefined) {
          from = toE164(input.from, deps.defaultCountry);
          if (!from) problems.add('from', 'must be an E.164 number such as +14155551212');
        }
        problems.throwIfAny();
        assertAllowed(to as string, 'call');
        const { client, baseUrl } = ready(true);
        if (!from) throw new OutboundUnavailableError('No caller ID: set TWILIO_PHONE_NUMBER or pass from');

        if (hasPath) await assertPathAllowed(checkCallPath, input.path as string, { from, to: to as string });

        const url = hasMessage
          ? `${baseUrl}/twiml/message?${new URLSearchParams({ 'Message[0]': (input.message as string).trim() })}`
          : baseUrl + (input.path as string);
        const call = await talkToTwilio('calls.create', () =>
          client.calls.create({
            to: to as string,
            from: from as string,
            url,
            method: 'POST',
            statusCallback: `${baseUrl}/callbacks/call-status`,
            statusCallbackMethod: 'POST',
            statusCallbackEvent: CALL_EVENTS,
            ...(input.record
              ? {
                  record: true,
                  recordingStatusCallback: `${baseUrl}/callbacks/recording`,
                  recordingStatusCallbackMethod: 'POST',
                }
              : {}),
          }),
        );
        const sid = createdSid(call.sid, CALL_SID, 'call');
        logger.info({ callSid: sid, status: call.status }, 'outbound call placed');
        await deps.record?.([
          {
            type: 'call-status',
            at: new Date().toISOString(),
            callSid: sid,
            status: call.status || 'queued',
            direction: 'outbound-api',
            from,
            to: to as string,
          },
        ]);
        return { sid, status: call.status };
      },

      async getCall(sid) {
        if (!CALL_SID.test(sid))
          throw new ValidationError([{ field: 'sid', message: 'must be a Call SID: CA + 32 hex characters' }]);
        const { client } = ready(false);
        const call = await talkToTwilio('calls.fetch', () => client.calls(sid).fetch());
        return {
          sid: call.sid,
          status: call.status,
          direction: call.direction,
          from: call.from,
          to: call.to,
          duration: call.duration ?? null,
          startTime: isoOrNull(call.startTime),
          endTime: isoOrNull(call.endTime),
        };
      },
    }),
  };
}
