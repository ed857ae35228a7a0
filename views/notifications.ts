// Pure functions from what the operator must hear of (a stored voicemail, its transcript, a text, a digest of a
// sender's texts) to what the notification says: subject and body of the e-mail, the SMS, with a link to the
// entry in the inbox and times in the operator's time zone; and which go first (voicemails before texts).
import { senderKey } from '../src/messaging/senderLimits';
import type { Announcement, Composer, NotificationDraft } from '../src/store/apply';
import type { Audience } from '../src/store/events';

/** SMS bodies are cut to one Twilio message. */
const MAX_SMS_CHARS = 1600;

export interface ComposerSettings {
  /** Origin of links to the inbox; undefined: no link (PUBLIC_BASE_URL unset). Credentials are stripped. */
  readonly inboxOrigin?: string;
  /** The operator's time zone (IANA); default UTC. */
  readonly timeZone?: string;
}

/** A time as the operator reads it, in their time zone with its name: "Thu, Dec 3, 2026, 2:05 PM CET". */
export function operatorTime(iso: string, timeZone = 'UTC'): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return new Intl.DateTimeFormat('en-US', {
    timeZone,
    weekday: 'short',
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    hour: 'numeric',
    minute: '2-digit',
    timeZoneName: 'short',
  }).format(date);
}

interface Text {
  readonly topic: string;
  readonly subject: string;
  readonly lines: string[];
  readonly sms: string;
  readonly priority: 0 | 1;
}

const texts = (n: number) => (n === 1 ? '1 more text' : `${n} more texts`);

function textOf(announcement: Announcement, settings: ComposerSettings): Text {
  const { inboxOrigin } = settings;
  const link = (path: string) => (inboxOrigin ? [`Open: ${inboxOrigin}${path}`] : []);
  const when = (iso: string) => operatorTime(iso, settings.timeZone);
  switch (announcement.kind) {
    case 'voicemail': {
      const e = announcement.event;
      const caller = e.from ?? 'an unknown caller';
      return {
        topic: `voicemail:${announcement.id}`,
        subject: `New voicemail from ${caller}`,
        lines: [
          `New voicemail from ${caller}.`,
          ...(e.durationSeconds !== undefined ? [`Length: ${e.durationSeconds} s.`] : []),
          ...(e.recordingUrl ? [`Recording: ${e.recordingUrl}`] : []),
          `Received: ${when(e.at)}`,
          ...(e.callSid ? [`Call: ${e.callSid}`] : []),
          ...link(`/inbox/voicemails/${announcement.id}`),
        ],
        // The inbox link plays it; Twilio's recording URL would need the account's credentials.
        sms: [
          `New voicemail from ${caller}, ${e.durationSeconds ?? '?'} s, ${when(e.at)}`,
          ...(inboxOrigin ? [`${inboxOrigin}/inbox/voicemails/${announcement.id}`] : []),
        ].join(': '),
        priority: 0,
      };
    }
    case 'transcript': {
      const caller = announcement.from ?? 'an unknown caller';
      const text = announcement.event.text ?? '';
      return {
        topic: `transcript:${announcement.id}`,
        subject: `Voicemail transcript from ${caller}`,
        lines: [
          `Voicemail transcript from ${caller}.`,
          ...(announcement.recordingUrl ? [`Recording: ${announcement.recordingUrl}`] : []),
          '',
          'Transcript:',
          text,
          '',
          ...(announcement.event.callSid ? [`Call: ${announcement.event.callSid}`] : []),
          ...link(`/inbox/voicemails/${announcement.id}`),
        ],
        sms: `Voicemail transcript from ${caller}: ${text}`,
        priority: 0,
      };
    }
    case 'message': {
      const e = announcement.event;
      const sender = e.from ?? 'an unknown sender';
      const media = e.mediaUrls.length > 0 ? [`Attachments: ${e.mediaUrls.length}`] : [];
      return {
        topic: `message:${e.messageSid}`,
        subject: `New text from ${sender}`,
        lines: [
          `New text from ${sender} to ${e.to ?? 'your number'}:`,
          '',
          e.body ?? '',
          '',
          `Received: ${when(e.at)}`,
          ...media,
          ...link(`/inbox/messages/${encodeURIComponent(sender)}`),
        ],
        sms: `Text from ${sender}: ${e.body ?? ''}`,
        priority: 1,
      };
    }
    case 'text-digest': {
      const { from, more } = announcement;
      const span = `between ${when(announcement.windowStart)} and ${when(announcement.windowEnd)}`;
      const thread = `/inbox/messages/${encodeURIComponent(from)}`;
      return {
        topic: `texts-digest:${senderKey(from)}:${announcement.windowStart}`,
        subject: `${texts(more)} from ${from}`,
        lines: [
          `${texts(more)} from ${from} ${span}, not announced one by one (a bound on texts from one number).`,
          'Every one of them is stored and shown in the inbox.',
          ...link(thread),
        ],
        sms: [`${texts(more)} from ${from} ${span}`, ...(inboxOrigin ? [`${inboxOrigin}${thread}`] : [])].join(': '),
        priority: 1,
      };
    }
  }
}

/** The outbox rows an announcement becomes: one e-mail to every address, one SMS to the operator's mobile. */
export function createComposer(settings: ComposerSettings): Composer {
  return (announcement: Announcement, audience: Audience): NotificationDraft[] => {
    const text = textOf(announcement, settings);
    const drafts: NotificationDraft[] = [];
    if (audience.emails.length > 0) {
      drafts.push({
        topic: text.topic,
        channel: 'email',
        recipients: [...new Set(audience.emails)].join(','),
        subject: text.subject,
        body: text.lines.join('\n'),
        priority: text.priority,
      });
    }
    if (audience.sms) {
      drafts.push({
        topic: text.topic,
        channel: 'sms',
        recipients: audience.sms,
        subject: text.subject,
        body: text.sms.slice(0, MAX_SMS_CHARS),
        priority: text.priority,
      });
    }
    return drafts;
  };
}
