// Owns the textual formats shared by config and request validation (phone numbers, voices, language tags).

/** E.164: a plus sign, a non-zero country code digit, 8 to 15 digits in all. */
export const E164 = /^\+[1-9]\d{7,14}$/;
/** Twilio <Say> voice names: man, woman, alice, Polly.Joanna-Neural, Google.en-US-Standard-C, … */
export const SAY_VOICE = /^[A-Za-z0-9._-]{1,64}$/;
/** BCP-47-ish language tags as Twilio accepts them: en-US, cmn-CN, en-GB-WLS, arb. */
export const LANGUAGE_TAG = /^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*$/;
