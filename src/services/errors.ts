// Owns the errors of the outbound service: each knows the HTTP status the API answers with and a JSON body
// safe to show (Twilio's code and message, never a credential or a transport error's internals).

export interface FieldProblem {
  readonly field: string;
  readonly message: string;
}

export abstract class ServiceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
  abstract readonly httpStatus: number;
  /** Machine-readable kind, stable across releases. */
  abstract readonly kind: string;
  toJSON(): Record<string, unknown> {
    return { error: this.message, kind: this.kind };
  }
}

/** Input that cannot be sent: a malformed number, a missing field. Nothing reached Twilio. */
export class ValidationError extends ServiceError {
  readonly httpStatus = 400;
  readonly kind = 'invalid_request';
  constructor(readonly fields: readonly FieldProblem[]) {
    super(fields.map((f) => `${f.field}: ${f.message}`).join('; '));
  }
  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), fields: this.fields };
  }
}

/** The destination is outside OUTBOUND_ALLOWLIST (or no allow-list is set). Nothing reached Twilio. */
export class DestinationNotAllowedError extends ServiceError {
  readonly httpStatus = 403;
  readonly kind = 'destination_not_allowed';
}

/** Outbound cannot work with this configuration (no credentials, no public URL, no caller ID). */
export class OutboundUnavailableError extends ServiceError {
  readonly httpStatus = 503;
  readonly kind = 'outbound_unavailable';
}

export interface TwilioErrorDetails {
  /** Twilio's HTTP status. */
  readonly status: number;
  readonly code?: number;
  readonly message: string;
  readonly moreInfo?: string;
}

/**
 * Twilio answered with an error. Its 400s (21xxx: invalid number, unverified caller ID, …) are the
 * caller's to fix and answer 400; 404 stays 404; everything else is our upstream failing: 502.
 */
export class TwilioApiError extends ServiceError {
  readonly kind = 'twilio_error';
  readonly httpStatus: number;
  constructor(readonly twilio: TwilioErrorDetails) {
    super(`Twilio error${twilio.code ? ` ${twilio.code}` : ''}: ${twilio.message}`);
    this.httpStatus = twilio.status === 400 ? 400 : twilio.status === 404 ? 404 : 502;
  }
  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), twilio: this.twilio };
  }
}

/** Twilio could not be reached or gave no usable answer: timeout (504), reset, refused, not JSON (502). */
export class TwilioUnreachableError extends ServiceError {
  readonly kind = 'twilio_unreachable';
  constructor(
    readonly httpStatus: 502 | 504,
    message: string,
  ) {
    super(message);
  }
}
