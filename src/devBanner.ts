// Owns the development start banner: where the server answers, the URL Twilio must call (or that it is not
// set), what to configure on the number, whether signatures are checked, what may be dialled, and the inbox.
// Pure: the process entry prints it (development only; production logs JSON lines only).
import type { Config } from './config';
import { maskCredentials } from './http/urlCredentials';

export function devBanner(config: Config, port: number): string {
  const local = `http://localhost:${port}`;
  const base = config.publicBaseUrl ? maskCredentials(config.publicBaseUrl) : undefined;
  const origin = base ?? '<PUBLIC_BASE_URL>';
  const lines = [
    '',
    `  twiml-server (development) on ${local}`,
    `  Public URL Twilio calls: ${base ?? "not set (set PUBLIC_BASE_URL to your tunnel's https URL)"}`,
    '  On your Twilio number (or: npm run --silent setup-number -- <your number>):',
    `    A call comes in      POST ${origin}/voice`,
    `    A message comes in   POST ${origin}/sms`,
    `    Call status changes  POST ${origin}/callbacks/call-status`,
    `  Signatures: ${config.validateSignatures ? 'checked (TWILIO_AUTH_TOKEN set)' : 'NOT checked (no TWILIO_AUTH_TOKEN, or TWILIO_VALIDATE_SIGNATURE=false)'}`,
    `  May dial or text: ${config.outbound.allowlist?.length ? config.outbound.allowlist.join(', ') : 'nothing (OUTBOUND_ALLOWLIST is empty)'}`,
    `  Inbox: ${config.inbox.users.size > 0 ? `${local}/inbox (${config.inbox.users.size} user${config.inbox.users.size === 1 ? '' : 's'})` : 'off (set INBOX_USERS; npm run hash-password)'}`,
    '',
  ];
  return lines.join('\n');
}
