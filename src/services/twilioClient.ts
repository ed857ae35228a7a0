// Owns building the one Twilio REST client: credentials (API key preferred, else account SID + auth token),
// retries of 429s with backoff, a request timeout, and TWILIO_API_BASE_URL through the client's own
// httpClient option, so staging servers, mocks and our tests speak to the real twilio code over HTTP.
import twilio from 'twilio';
import type RequestClientType from 'twilio/lib/base/RequestClient';

const { RequestClient } = twilio;
export type TwilioClient = ReturnType<typeof twilio>;

export interface TwilioClientSettings {
  readonly accountSid: string;
  readonly authToken?: string;
  readonly apiKey?: { readonly sid: string; readonly secret: string };
  /** Origin every request goes to instead of https://api.twilio.com (a path prefix is kept). */
  readonly baseUrl: string;
  readonly timeoutMs: number;
  /** 0 turns retries off. */
  readonly maxRetries: number;
}

/** A RequestClient that sends every request to another origin, keeping Twilio's path and query. */
export class BaseUrlRequestClient extends RequestClient {
  constructor(
    private readonly baseUrl: string,
    options: RequestClientType.RequestClientOptions,
  ) {
    super(options);
  }

  override request<TData>(opts: RequestClientType.RequestOptions<TData>) {
    const original = new URL(opts.uri);
    return super.request<TData>({ ...opts, uri: this.baseUrl + original.pathname + original.search });
  }
}

/** undefined when the settings hold no usable credentials (then outbound features answer 503). */
export function createTwilioClient(settings: TwilioClientSettings): TwilioClient | undefined {
  const [username, password] = settings.apiKey
    ? [settings.apiKey.sid, settings.apiKey.secret]
    : [settings.accountSid, settings.authToken];
  if (!password) return undefined;
  const httpClient = new BaseUrlRequestClient(settings.baseUrl, {
    timeout: settings.timeoutMs,
    autoRetry: settings.maxRetries > 0,
    maxRetries: settings.maxRetries,
    keepAlive: true,
  });
  return twilio(username, password, { accountSid: settings.accountSid, httpClient });
}
