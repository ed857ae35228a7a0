// Owns composing the services from the validated config: the Twilio client is built here, once per process.
import type { Config } from '../config';
import type { Logger } from '../logger';
import { createOutbound, type CallPathCheck, type OutboundService } from './outbound';
import { createAllowlist } from '../policy/phoneNumbers';
import { createTwilioClient } from './twilioClient';

export function outboundFromConfig(config: Config, logger: Logger, checkCallPath?: CallPathCheck): OutboundService {
  const client = config.twilio.accountSid
    ? createTwilioClient({
        accountSid: config.twilio.accountSid,
        authToken: config.twilio.authToken,
        apiKey: config.twilioApi.apiKey,
        baseUrl: config.twilioApi.baseUrl,
        timeoutMs: config.twilioApi.timeoutMs,
        maxRetries: config.twilioApi.maxRetries,
      })
    : undefined;
  return createOutbound({
    client,
    from: config.twilio.phoneNumber,
    publicBaseUrl: config.publicBaseUrl,
    allowlist: createAllowlist(config.outbound.allowlist),
    checkCallPath,
    defaultCountry: config.outbound.defaultCountry,
    timeoutMs: config.twilioApi.timeoutMs,
    logger,
  });
}
