// Owns reading the Twilio-facing services' settings from the validated config: the one REST client and the source of
// recording audio, both on the same API origin and credentials.
import type { Config } from '../config';
import { createTwilioClient, type TwilioClient } from './twilioClient';
import { createRecordingSource, type RecordingSource } from './recordings';

/** The one Twilio REST client; undefined without credentials. */
export function twilioClientFromConfig(config: Config): TwilioClient | undefined {
  return config.twilio.accountSid
    ? createTwilioClient({
        accountSid: config.twilio.accountSid,
        authToken: config.twilio.authToken,
        apiKey: config.twilioApi.apiKey,
        baseUrl: config.twilioApi.baseUrl,
        timeoutMs: config.twilioApi.timeoutMs,
        maxRetries: config.twilioApi.maxRetries,
      })
    : undefined;
}

/** Recording audio through the same API origin and credentials as the Twilio client. */
export function recordingsFromConfig(config: Config): RecordingSource {
  const password = config.twilioApi.apiKey?.secret ?? config.twilio.authToken;
  const username = config.twilioApi.apiKey?.sid ?? config.twilio.accountSid;
  return createRecordingSource({
    baseUrl: config.twilioApi.baseUrl,
    accountSid: config.twilio.accountSid,
    credentials: username && password ? { username, password } : undefined,
    timeoutMs: config.twilioApi.timeoutMs,
  });
}
