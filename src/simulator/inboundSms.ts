// Owns simulating a text to a number: POST to its messaging URL with Twilio's parameters and signature, then
// read the answer as Twilio does (an empty body is no reply; <Message> replies; <Redirect> is followed).
import { parseTwiml } from '../twiml/document';
import { fetchRecorded, TWIML_CONTENT_TYPES, type Step } from './steps';
import { newSid } from './voiceCall';
import { methodOf, type Method } from './webhook';

export interface SmsSpec {
  readonly url: string;
  readonly method?: Method;
  readonly from: string;
  readonly to: string;
  readonly body: string;
  readonly mediaUrls?: readonly string[];
  readonly accountSid: string;
  readonly authToken?: string;
  readonly timeoutMs?: number;
}

export interface SmsReply {
  readonly to: string;
  readonly from: string;
  readonly body: string;
  readonly media: readonly string[];
}

export interface SmsResult {
  readonly messageSid: string;
  readonly replies: readonly SmsReply[];
  readonly requests: number;
  readonly steps: readonly Step[];
  readonly error?: { readonly code?: number; readonly message: string };
}

const MAX_REDIRECTS = 10;

export async function runInboundSms(spec: SmsSpec): Promise<SmsResult> {
  const messageSid = newSid('SM');
  const media = spec.mediaUrls ?? [];
  const params: Record<string, string> = {
    MessageSid: messageSid,
    SmsSid: messageSid,
    SmsMessageSid: messageSid,
    AccountSid: spec.accountSid,
    From: spec.from,
    To: spec.to,
    Body: spec.body,
    NumMedia: String(media.length),
    NumSegments: '1',
    SmsStatus: 'received',
    ApiVersion: '2010-04-01',
  };
  media.forEach((url, i) => {
    params[`MediaUrl${i}`] = url;
    params[`MediaContentType${i}`] = 'image/jpeg';
  });
  const steps: Step[] = [];
  const replies: SmsReply[] = [];
  const done = (error?: { code?: number; message: string }): SmsResult => {
    if (error) steps.push({ type: 'error', ...error });
    return {
      messageSid,
      replies,
      requests: steps.filter((s) => s.type === 'request').length,
      steps,
      ...(error ? { error } : {}),
    };
  };

  let target: { url: string; method: Method } | undefined = { url: spec.url, method: spec.method ?? 'POST' };
  for (let hop = 0; target; hop++) {
    if (hop > MAX_REDIRECTS) return done({ message: `Step limit: more than ${MAX_REDIRECTS} redirects` });
    const answer = await fetchRecorded(
      { ...target, params, authToken: spec.authToken, timeoutMs: spec.timeoutMs },
      steps,
    );
    if (!answer.ok) return done({ code: answer.code, message: answer.message });
    if (answer.body.trim() === '') return done(); // an empty 200 means "no reply"
    if (!TWIML_CONTENT_TYPES.has(answer.contentType))
      return done({ code: 12300, message: `Invalid Content-Type: "${answer.contentType || 'none'}"` });
    const parsed = parseTwiml(answer.body, 'messaging');
    if (!parsed.ok) return done({ code: parsed.code, message: parsed.message });
    const from: string = target.url;
    target = undefined;
    for (const verb of parsed.verbs) {
      if (verb.name === 'Redirect') {
        target = { url: new URL(verb.text || from, from).toString(), method: methodOf(verb.attrs.method) };
        steps.push({ type: 'verb', verb: 'Redirect', detail: verb.text });
        break;
      }
      const body = [verb.text, ...verb.children.filter((c) => c.name === 'Body').map((c) => c.text)]
        .filter(Boolean)
        .join('');
      const replyMedia = verb.children.filter((c) => c.name === 'Media').map((c) => c.text);
      const reply = { to: verb.attrs.to ?? spec.from, from: verb.attrs.from ?? spec.to, body, media: replyMedia };
      replies.push(reply);
      steps.push({
        type: 'verb',
        verb: 'Message',
        detail: `to ${reply.to}: "${body}"${replyMedia.length ? ` + ${replyMedia.length} media` : ''}`,
      });
    }
  }
  return done();
}
