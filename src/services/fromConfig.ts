// Owns composing the services from the validated config: the Twilio client is built here, once per process.
import type { Config } from '../config';
import type { Logger } from '../logger';
import { createOutbound, type CallPathCheck, type OutboundService } from './outbound';
import { createAllowlist } from '../policy/phoneNumbers';
import { createTwilioClient, type TwilioClient } from './twilioClient';
import { createRecordingSource, type RecordingSource } from './recordings';
import type { StoreEvent } from '../store/events';

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

export function outboundFromConfig(
  config: Config,
  logger: Logger,
  checkCallPath?: CallPathCheck,
  record?: (events: StoreEvent[]) => Promise<void>,
): OutboundService {
  return createOutbound({
    client: twilioClientFromConfig(config),
    from: config.twilio.phoneNumber,
    publicBaseUrl: config.publicBaseUrl,
    allowlist: createAllowlist(config.outbound.allowlist),
    checkCallPath,
    record,
    defaultCountry: config.outbound.defaultCountry,
    timeoutMs: config.twilioApi.timeoutMs,
    logger,
  });
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
