// Owns the steps a simulated call or message records, and fetching a document while recording its request.
import { sendWebhook, type Method, type WebhookAnswer, type WebhookFailure, type WebhookRequest } from './webhook';

export type Step =
  | {
      readonly type: 'request';
      readonly method: Method;
      readonly url: string;
      readonly status?: number;
      readonly contentType?: string;
      readonly ms: number;
    }
  | {
      readonly type: 'verb';
      readonly verb: string;
      readonly detail: string;
      readonly result?: string;
      readonly nested?: readonly Step[];
    }
  | {
      readonly type: 'callback';
      readonly kind: string;
      readonly url: string;
      readonly status?: number;
      readonly error?: string;
    }
  | { readonly type: 'error'; readonly code?: number; readonly message: string };

/** Content types Twilio reads as TwiML. */
export const TWIML_CONTENT_TYPES: ReadonlySet<string> = new Set(['text/xml', 'application/xml', 'text/html']);

/** Sends a webhook whose answer is a document, and records the request in `steps`. */
export async function fetchRecorded(request: WebhookRequest, steps: Step[]): Promise<WebhookAnswer | WebhookFailure> {
  const answer = await sendWebhook(request);
  steps.push({
    type: 'request',
    method: request.method,
    url: answer.url,
    status: answer.status,
    contentType: answer.ok ? answer.contentType : undefined,
    ms: answer.ms,
  });
  return answer;
}
