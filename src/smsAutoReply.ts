// Owns which text answers an inbound SMS: nothing, the help text, a media acknowledgement, or the auto-reply.

/** Keywords Twilio itself answers on long codes (opt-out and opt-in); a reply of ours would be blocked or noise. */
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
]);

export interface InboundSms {
  readonly from: string;
  readonly to: string;
  readonly body: string;
  readonly numMedia: number;
}

export interface SmsTexts {
  readonly reply: string;
  readonly helpReply: string;
  readonly mediaReply: string;
}

/** Fills {From}, {To} and {Body} in one pass, so a body containing "{From}" is not expanded again. */
export function fillPlaceholders(template: string, sms: InboundSms): string {
  const values: Record<string, string> = { From: sms.from, To: sms.to, Body: sms.body };
  return template.replace(/\{(From|To|Body)\}/g, (_, name: string) => values[name] ?? '');
}

/** The reply text, or undefined for no reply (blank message, or a keyword Twilio answers itself). */
export function autoReplyText(sms: InboundSms, texts: SmsTexts): string | undefined {
  const keyword = sms.body.trim().toUpperCase();
  if (HANDLED_BY_TWILIO.has(keyword)) return undefined;
  if (sms.numMedia > 0) return fillPlaceholders(texts.mediaReply, sms);
  if (keyword === '') return undefined;
  if (keyword === 'HELP' || keyword === 'INFO') return fillPlaceholders(texts.helpReply, sms);
  return fillPlaceholders(texts.reply, sms);
}
