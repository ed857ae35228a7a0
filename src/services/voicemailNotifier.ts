// Owns telling someone about a new voicemail: an e-mail through SMTP (nodemailer) and/or an SMS through the
// outbound service (so OUTBOUND_ALLOWLIST applies). Failures are logged with safe fields only: the SMTP URL
// holds credentials and never appears in a log line.
import nodemailer from 'nodemailer';
import type { Logger } from '../logger';
import type { OutboundService } from './outbound';

export interface VoicemailNotice {
  readonly caller: string;
  readonly recordingUrl: string;
  readonly durationSeconds?: string;
  /** Present on the second notice, once the transcription arrived. */
  readonly transcript?: string;
  readonly callSid?: string;
}

export interface VoicemailNotifier {
  /** Sends every notification that is configured; never throws. */
  notify(emails: readonly string[], notice: VoicemailNotice): Promise<void>;
}

export interface NotifierSettings {
  readonly smtpUrl?: string;
  readonly fromEmail: string;
  readonly smsTo?: string;
  readonly outbound: OutboundService;
  readonly logger: Logger;
}

function subjectOf(notice: VoicemailNotice): string {
  return notice.transcript === undefined
    ? `New voicemail from ${notice.caller}`
    : `Voicemail transcript from ${notice.caller}`;
}

function textOf(notice: VoicemailNotice): string {
  return [
    `${notice.transcript === undefined ? 'New voicemail' : 'Voicemail transcript'} from ${notice.caller}.`,
    notice.durationSeconds ? `Length: ${notice.durationSeconds} s.` : '',
    `Recording: ${notice.recordingUrl}`,
    notice.transcript !== undefined ? `\nTranscript:\n${notice.transcript}` : '',
    notice.callSid ? `\nCall: ${notice.callSid}` : '',
  ]
    .filter(Boolean)
    .join('\n');
}

export function createVoicemailNotifier(settings: NotifierSettings): VoicemailNotifier {
  const { logger } = settings;
  const mailer = settings.smtpUrl ? nodemailer.createTransport(settings.smtpUrl) : undefined;

  async function email(to: readonly string[], notice: VoicemailNotice): Promise<void> {
    if (!mailer) {
      logger.warn({ callSid: notice.callSid }, 'voicemail e-mail not sent: SMTP_URL is not set');
      return;
    }
    try {
      await mailer.sendMail({
        from: settings.fromEmail,
        to: [...to],
        subject: subjectOf(notice),
        text: textOf(notice),
      });
      logger.info({ callSid: notice.callSid, transcript: notice.transcript !== undefined }, 'voicemail e-mail sent');
    } catch (err) {
      const e = err as { code?: string; responseCode?: number };
      logger.error({ callSid: notice.callSid, code: e.code, responseCode: e.responseCode }, 'voicemail e-mail failed');
    }
  }

  async function sms(notice: VoicemailNotice): Promise<void> {
    if (!settings.smsTo) return;
    const body =
      notice.transcript === undefined
        ? `${subjectOf(notice)}: ${notice.recordingUrl}`
        : `${subjectOf(notice)}: ${notice.transcript}`;
    try {
      await settings.outbound.sendSms({ to: settings.smsTo, body: body.slice(0, 1600) });
    } catch (err) {
      // The outbound service has logged the reason (allow-list, Twilio error).
      logger.error({ callSid: notice.callSid, kind: (err as { kind?: string }).kind }, 'voicemail SMS failed');
    }
  }

  return {
    async notify(to, notice) {
      await Promise.all([to.length > 0 ? email(to, notice) : Promise.resolve(), sms(notice)]);
    },
  };
}
