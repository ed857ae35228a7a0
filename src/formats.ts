// Owns the textual formats and Twilio ranges shared by config and request validation (phone numbers, Twilio's
// resource SIDs, voices, language tags, the <Dial> timeout).

/** E.164: a plus sign, a non-zero country code digit, 8 to 15 digits in all. */
export const E164 = /^\+[1-9]\d{7,14}$/;
/** Twilio's SIDs: two letters naming the resource, 32 lowercase hex digits. */
export const CALL_SID = /^CA[0-9a-f]{32}$/;
export const RECORDING_SID = /^RE[0-9a-f]{32}$/;
/** A text (SM) or a multimedia message (MM). */
export const MESSAGE_SID = /^(SM|MM)[0-9a-f]{32}$/;
export const ACCOUNT_SID = /^AC[0-9a-f]{32}$/;
export const API_KEY_SID = /^SK[0-9a-f]{32}$/;
/** Twilio <Say> voice names: man, woman, alice, Polly.Joanna-Neural, Google.en-US-Standard-C, … */
export const SAY_VOICE = /^[A-Za-z0-9._-]{1,64}$/;
/** BCP-47-ish language tags as Twilio accepts them: en-US, cmn-CN, en-GB-WLS, arb. */
export const LANGUAGE_TAG = /^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*$/;

const EMAIL_LOCAL = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]{1,64}$/;
const DOMAIN_LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

/**
 * One plain e-mail address (local@domain.tld, at most 254 characters). Linear in the input: the length is
 * checked first and each part is matched by a pattern that cannot backtrack, so a long value costs nothing.
 */
export function isEmailAddress(value: string): boolean {
  if (value.length > 254) return false;
  const at = value.indexOf('@');
  if (at < 1 || at !== value.lastIndexOf('@')) return false;
  const labels = value.slice(at + 1).split('.');
  return EMAIL_LOCAL.test(value.slice(0, at)) && labels.length >= 2 && labels.every((l) => DOMAIN_LABEL.test(l));
}

/** Twilio's <Dial timeout> range in seconds; below it Twilio rings 5 s anyway (and adds about 5 s of its own). */
export const DIAL_TIMEOUT = { min: 5, max: 600 } as const;
