// Owns which text answers an inbound SMS: nothing, the help text, a media acknowledgement, or the auto-reply.

/**
 * Keywords Twilio itself answers on long codes and toll-free numbers (its default opt-out and opt-in
 * keywords; YES opts in like START), while still forwarding them to the webhook: a reply of ours would be a
 * second, billed message (or be blocked after an opt-out).
 */
const HANDLED_BY_TWILIO = new Set([
  'STOP',
  'STOPALL',
  'UNSUBSCRIBE',
  'CANCEL',
  'END',
  'QUIT',
  'REVOKE',
  'OPTOUT',
  'START',
  'UNSTOP',
  'YES',
]);

/** Twilio's default help keywords: answered by Twilio on long codes, not on short codes. */
const HELP = new Set(['HELP', 'INFO']);

export interface InboundSms {
  readonly from: string;
  readonly to: string;
  readonly body: string;
  readonly numMedia: number;
}

export interface SmsTexts {
  readonly reply: string;
  /** Our answer to HELP/INFO; undefined leaves them to Twilio (long codes), so no second reply is sent. */
  readonly helpReply?: string;
  readonly mediaReply: string;
}

/** Fills {From}, {To} and {Body} in one pass, so a body containing "{From}" is not expanded again. */
export function fillPlaceholders(template: string, sms: InboundSms): string {
  const values: Record<string, string> = { From: sms.from, To: sms.to, Body: sms.body };
  return template.replace(/\{(From|To|Body)\}/g, (_, name: string) => values[name] ?? '');
}

/** The reply text, or undefined for no reply (blank message, a keyword Twilio answers itself, HELP when Twilio does). */
export function autoReplyText(sms: InboundSms, texts: SmsTexts): string | undefined {
  const keyword = sms.body.trim().toUpperCase();
  if (HANDLED_BY_TWILIO.has(keyword)) return undefined;
  if (sms.numMedia > 0) return fillPlaceholders(texts.mediaReply, sms);
  if (keyword === '') return undefined;
  if (HELP.has(keyword)) return texts.helpReply === undefined ? undefined : fillPlaceholders(texts.helpReply, sms);
  return fillPlaceholders(texts.reply, sms);
}
