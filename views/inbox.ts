// Pure functions from typed input to the inbox's HTML: a page shell with tabs and sign-out, the sign-in form,
// voicemails, message threads, one thread with its reply box, and the call log. Every value is escaped here;
// no inline script or style (the CSP forbids them): behaviour lives in /inbox/assets/inbox.js.
import { parsePhoneNumberFromString } from 'libphonenumber-js';
import { escapeMarkup } from '../src/markup';
import type { StoredCall } from '../src/store/callQueries';
import type { StoredMessage } from '../src/store/messageQueries';
import type { StoredVoicemail } from '../src/store/voicemailQueries';

export const escapeHtml = escapeMarkup;

/** A number as people read it, with the E.164 form on hover and for copying. */
export function phone(e164: string | null | undefined): string {
  if (!e164) return '<span class="muted">unknown</span>';
  const readable = parsePhoneNumberFromString(e164)?.formatInternational() ?? e164;
  return `<span class="phone" title="${escapeHtml(e164)}" data-e164="${escapeHtml(e164)}">${escapeHtml(readable)}</span>`;
}

/** A time in UTC, turned into the viewer's own time zone by the page's script. */
const time = (iso: string | null | undefined): string =>
  iso ? `<time datetime="${escapeHtml(iso)}">${escapeHtml(iso.replace('T', ' ').slice(0, 16))} UTC</time>` : '';

/**
 * A text's media URL as a link only when it is a web address (http: or https:): anything else a sender puts in
 * MediaUrl (javascript:, data:, …) is shown as inert text, never an href.
 */
function attachment(url: string): string {
  const web = URL.canParse(url) && /^https?:$/i.test(new URL(url).protocol);
  return web
    ? `<a href="${escapeHtml(url)}" rel="noopener noreferrer">attachment</a>`
    : `<span class="muted" title="${escapeHtml(url.slice(0, 200))}">attachment (not a web address)</span>`;
}

export type Tab = 'voicemails' | 'messages' | 'calls';

export interface Shell {
  readonly title: string;
  readonly user: string;
  readonly csrf: string;
  readonly tab: Tab;
  readonly unread: number;
  /** The store's change marker when the page was made (the live updates start from it). */
  readonly marker: string;
  readonly body: string;
}

export function page(shell: Shell): string {
  const tab = (id: Tab, label: string) =>
    `<a href="/inbox/${id}"${shell.tab === id ? ' aria-current="page"' : ''}>${label}</a>`;
  const unread = shell.unread > 0 ? `(${shell.unread}) ` : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title data-base="${escapeHtml(shell.title)}">${unread}${escapeHtml(shell.title)}</title>
<link rel="stylesheet" href="/inbox/assets/inbox.css"><script src="/inbox/assets/inbox.js" defer></script></head>
<body data-tab="${shell.tab}" data-unread="${shell.unread}" data-marker="${escapeHtml(shell.marker)}" data-csrf="${escapeHtml(shell.csrf)}">
<header><h1>Inbox</h1><nav aria-label="Sections">${tab('voicemails', 'Voicemails')}${tab('messages', 'Messages')}${tab('calls', 'Calls')}</nav>
<form method="post" action="/inbox/sign-out" class="sign-out"><input type="hidden" name="csrf" value="${escapeHtml(shell.csrf)}">
<span class="muted">${escapeHtml(shell.user)}</span> <button type="submit">Sign out</button></form></header>
<main id="main">${shell.body}</main></body></html>`;
}

export function signInPage(problem?: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in · Inbox</title><link rel="stylesheet" href="/inbox/assets/inbox.css"></head>
<body><main class="sign-in"><h1>Inbox</h1>
${problem ? `<p class="error" role="alert">${escapeHtml(problem)}</p>` : ''}
<form method="post" action="/inbox/sign-in">
<label for="username">Name</label><input id="username" name="username" autocomplete="username" required autofocus>
<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Sign in</button></form></main></body></html>`;
}

const empty = (text: string) => `<p class="empty">${text}</p>`;

/** `highlighted`: the voicemail a notification linked to, marked aria-current (the script scrolls to it). */
export function voicemailList(
  items: readonly StoredVoicemail[],
  ourNumber: string | undefined,
  highlighted?: number,
): string {
  if (items.length === 0) {
    return empty(`No voicemails yet — call ${ourNumber ? phone(ourNumber) : 'your number'} and press 2 to leave one.`);
  }
  return `<ul class="items" id="voicemails">${items
    .map(
      (
        v,
      ) => `<li class="item${v.listened ? '' : ' unread'}" id="voicemail-${v.id}" data-id="${v.id}"${v.id === highlighted ? ' aria-current="true"' : ''}>
<div class="who">${phone(v.from)} ${time(v.createdAt)} <span class="muted">${v.durationSeconds ?? '?'} s</span>${v.listened ? '' : ' <strong class="badge">new</strong>'}</div>
<p class="transcript">${v.transcript ? escapeHtml(v.transcript) : '<span class="muted">No transcript.</span>'}</p>
<audio controls preload="none" src="/inbox/voicemails/${v.id}/audio" data-listened-url="/inbox/voicemails/${v.id}/listened"></audio></li>`,
    )
    .join('\n')}</ul>`;
}

export interface Thread {
  readonly number: string;
  readonly last: StoredMessage;
  readonly unanswered: boolean;
}

export function threadList(threads: readonly Thread[], ourNumber: string | undefined): string {
  if (threads.length === 0) {
    return empty(`No texts yet — text ${ourNumber ? phone(ourNumber) : 'your number'} and it shows up here.`);
  }
  return `<ul class="items" id="threads">${threads
    .map(
      (
        t,
      ) => `<li class="item${t.unanswered ? ' unread' : ''}"><a href="/inbox/messages/${encodeURIComponent(t.number)}">${phone(t.number)}</a> ${time(t.last.createdAt)}
<p>${t.last.direction === 'inbound' ? '' : '<span class="muted">You:</span> '}${escapeHtml(t.last.body ?? '')}</p></li>`,
    )
    .join('\n')}</ul>`;
}

export function threadPage(number: string, messages: readonly StoredMessage[], csrf: string, problem?: string): string {
  const bubble = (
    m: StoredMessage,
  ) => `<li class="bubble ${m.direction === 'inbound' ? 'in' : 'out'}" id="message-${escapeHtml(m.sid)}">
<p>${escapeHtml(m.body ?? '')}</p>${m.mediaUrls.map(attachment).join(' ')}
<div class="meta">${time(m.createdAt)}${m.direction === 'inbound' ? '' : ` · <span class="status" data-status="${escapeHtml(m.status)}">${escapeHtml(m.status)}</span>`}</div></li>`;
  return `<p><a href="/inbox/messages">← All threads</a></p><h2>${phone(number)}</h2>
<ol class="thread" id="thread">${[...messages].reverse().map(bubble).join('\n')}</ol>
${problem ? `<p class="error" role="alert">${escapeHtml(problem)}</p>` : ''}
<form method="post" action="/inbox/messages/${encodeURIComponent(number)}/reply" class="reply">
<input type="hidden" name="csrf" value="${escapeHtml(csrf)}"><label for="body">Reply</label>
<textarea id="body" name="body" rows="3" maxlength="1600" required></textarea><button type="submit">Send</button></form>`;
}

/** The call's steps as words; a voicemail's recording SID is left out (the voicemail tab has the recording). */
function pathText(call: StoredCall): string {
  return call.path
    .map((step) => (step.detail && !step.kind.startsWith('voicemail') ? `${step.kind}: ${step.detail}` : step.kind))
    .join(' → ');
}

export function callList(calls: readonly StoredCall[], filter: { number?: string; status?: string }): string {
  const form = `<form method="get" action="/inbox/calls" class="filter"><label for="number">Number</label>
<input id="number" name="number" value="${escapeHtml(filter.number ?? '')}" placeholder="+15551234567">
<label for="status">Status</label><input id="status" name="status" value="${escapeHtml(filter.status ?? '')}" placeholder="completed">
<button type="submit">Filter</button></form>`;
  if (calls.length === 0) return `${form}${empty('No calls yet — call your number and it shows up here.')}`;
  const rows = calls
    .map(
      (
        c,
      ) => `<tr id="call-${escapeHtml(c.sid)}"><td data-label="When">${time(c.startedAt)}</td><td data-label="Direction">${escapeHtml(c.direction ?? '')}</td><td data-label="Who">${phone(c.direction === 'inbound' ? c.from : c.to)}</td>
<td data-label="Path">${escapeHtml(pathText(c))}</td><td data-label="Seconds">${c.durationSeconds ?? ''}</td><td data-label="Status">${escapeHtml(c.status)}</td></tr>`,
    )
    .join('\n');
  return `${form}<div class="scroll"><table id="calls"><thead><tr><th>When</th><th>Direction</th><th>Who</th><th>Path</th><th>Seconds</th><th>Status</th></tr></thead>
<tbody>${rows}</tbody></table></div>`;
}
