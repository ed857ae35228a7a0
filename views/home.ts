// Pure function from what this server is to its front page at `/`: where the inbox and the health check are and,
// outside production, the one command that simulates a call against it. JSON for a client that asks for JSON.
import { escapeHtml } from './inbox';

export interface HomeFacts {
  readonly version: string;
  /** The origin this page was asked at (e.g. http://localhost:3000), for the links and the command. */
  readonly origin: string;
  readonly inboxOn: boolean;
  /** Outside production: how to make this server answer a call it can show. */
  readonly showSimulator: boolean;
}

export interface Home {
  readonly name: 'twiml-server';
  readonly version: string;
  readonly health: string;
  readonly inbox: string | null;
  readonly simulate?: string;
}

export function home(facts: HomeFacts): Home {
  return {
    name: 'twiml-server',
    version: facts.version,
    health: `${facts.origin}/healthz`,
    inbox: facts.inboxOn ? `${facts.origin}/inbox` : null,
    ...(facts.showSimulator
      ? { simulate: `npm run --silent simulate -- call --url ${facts.origin}/voice --press 2` }
      : {}),
  };
}

export function homePage(facts: HomeFacts): string {
  const h = home(facts);
  const inbox = h.inbox
    ? `<li>The inbox: <a href="/inbox">${escapeHtml(h.inbox)}</a></li>`
    : '<li>The inbox is off: set <code>INBOX_USERS</code> (create a user with <code>npm run --silent hash-password</code>).</li>';
  const simulate = h.simulate
    ? `<p>Simulate a call (it presses 2 and leaves a voicemail), from the checkout:</p><pre><code>${escapeHtml(h.simulate)}</code></pre>`
    : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>twiml-server</title></head>
<body><main><h1>twiml-server ${escapeHtml(h.version)}</h1>
<p>TwiML webhooks for a Twilio number. Twilio calls <code>/voice</code> and <code>/sms</code> here (signed requests only).</p>
<ul>${inbox}<li>Health: <a href="/healthz">${escapeHtml(h.health)}</a></li></ul>
${simulate}</main></body></html>`;
}
