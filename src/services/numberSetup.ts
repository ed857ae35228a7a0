// Owns pointing a Twilio phone number at this server: finds the account's IncomingPhoneNumber by its E.164
// number and sets its voice URL, SMS URL and status callback (all POST) to our routes, returning the number's
// settings before and after. HTTP-free; the Twilio client does the talking.
import { OutboundUnavailableError, ValidationError } from './errors';
import { E164 } from '../formats';
import type { TwilioClient } from './twilioClient';

export interface NumberWiring {
  readonly voiceUrl: string | null;
  readonly voiceMethod: string | null;
  readonly smsUrl: string | null;
  readonly smsMethod: string | null;
  readonly statusCallback: string | null;
  readonly statusCallbackMethod: string | null;
}

export interface NumberSetupResult {
  readonly sid: string;
  readonly phoneNumber: string;
  readonly before: NumberWiring;
  readonly after: NumberWiring;
}

/** The routes a number is wired to on a server at `publicBaseUrl` (credentials in it are kept: Twilio needs them). */
export function wiringFor(publicBaseUrl: string): NumberWiring {
  return {
    voiceUrl: `${publicBaseUrl}/voice`,
    voiceMethod: 'POST',
    smsUrl: `${publicBaseUrl}/sms`,
    smsMethod: 'POST',
    statusCallback: `${publicBaseUrl}/callbacks/call-status`,
    statusCallbackMethod: 'POST',
  };
}

function wiringOf(n: {
  voiceUrl?: string | null;
  voiceMethod?: string | null;
  smsUrl?: string | null;
  smsMethod?: string | null;
  statusCallback?: string | null;
  statusCallbackMethod?: string | null;
}): NumberWiring {
  return {
    voiceUrl: n.voiceUrl ?? null,
    voiceMethod: n.voiceMethod ?? null,
    smsUrl: n.smsUrl ?? null,
    smsMethod: n.smsMethod ?? null,
    statusCallback: n.statusCallback ?? null,
    statusCallbackMethod: n.statusCallbackMethod ?? null,
  };
}

export async function setUpNumber(
  client: TwilioClient | undefined,
  phoneNumber: string,
  publicBaseUrl: string | undefined,
): Promise<NumberSetupResult> {
  if (!E164.test(phoneNumber)) {
    throw new ValidationError([{ field: 'number', message: 'must be an E.164 number such as +14155551212' }]);
  }
  if (!client) {
    throw new OutboundUnavailableError(
      'Twilio credentials are not configured: set TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN (or TWILIO_API_KEY and TWILIO_API_SECRET)',
    );
  }
  if (!publicBaseUrl) {
    throw new OutboundUnavailableError('PUBLIC_BASE_URL is not set: it is the origin the number must call');
  }
  const [found] = await client.incomingPhoneNumbers.list({ phoneNumber, limit: 1 });
  if (!found) {
    throw new ValidationError([
      { field: 'number', message: `${phoneNumber} is not a phone number of this Twilio account` },
    ]);
  }
  const target = wiringFor(publicBaseUrl);
  const updated = await client.incomingPhoneNumbers(found.sid).update({
    voiceUrl: target.voiceUrl as string,
    voiceMethod: 'POST',
    smsUrl: target.smsUrl as string,
    smsMethod: 'POST',
    statusCallback: target.statusCallback as string,
    statusCallbackMethod: 'POST',
  });
  return { sid: found.sid, phoneNumber: found.phoneNumber, before: wiringOf(found), after: wiringOf(updated) };
}
