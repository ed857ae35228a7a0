// Owns fetching a recording's audio from Twilio with the account's credentials (Twilio's media URLs need
// HTTP authentication when the account enforces it), so the operator never handles Twilio URLs. The URL is
// built from the configured API origin, the account SID and the recording SID only: a stored URL is never
// followed, so the credentials can never be sent anywhere else.
import { RECORDING_SID } from '../formats';
import { OutboundUnavailableError, TwilioUnreachableError } from './errors';

export interface RecordingAudio {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: ReadableStream<Uint8Array> | null;
}

export interface RecordingSource {
  /** The recording as MP3; `range` is passed through (audio elements seek with it). */
  fetch(recordingSid: string, range?: string): Promise<RecordingAudio>;
}

export interface RecordingSettings {
  readonly baseUrl: string;
  readonly accountSid?: string;
  /** API key SID or account SID, and its secret or the auth token; undefined: 503. */
  readonly credentials?: { readonly username: string; readonly password: string };
  readonly timeoutMs: number;
}

/** What is passed back to the browser of Twilio's answer. */
const PASSED_HEADERS = ['content-type', 'content-length', 'content-range', 'accept-ranges', 'last-modified'];

export function createRecordingSource(settings: RecordingSettings): RecordingSource {
  return {
    async fetch(recordingSid, range) {
      if (!settings.credentials || !settings.accountSid) {
        throw new OutboundUnavailableError(
          'Twilio credentials are not configured: set TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN to play recordings',
        );
      }
      if (!RECORDING_SID.test(recordingSid))
        throw new TwilioUnreachableError(502, 'The stored recording SID is malformed');
      const { username, password } = settings.credentials;
      const url = `${settings.baseUrl}/2010-04-01/Accounts/${settings.accountSid}/Recordings/${recordingSid}.mp3`;
      let response: Response;
      try {
        response = await fetch(url, {
          headers: {
            authorization: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`,
            ...(range ? { range } : {}),
          },
          signal: AbortSignal.timeout(settings.timeoutMs),
        });
      } catch (err) {
        const name = (err as Error).name;
        throw name === 'TimeoutError'
          ? new TwilioUnreachableError(504, `Twilio did not answer within ${settings.timeoutMs} ms`)
          : new TwilioUnreachableError(502, 'Could not reach Twilio to fetch the recording');
      }
      const headers: Record<string, string> = {};
      for (const name of PASSED_HEADERS) {
        const value = response.headers.get(name);
        if (value) headers[name] = value;
      }
      return { status: response.status, headers, body: response.body };
    },
  };
}
