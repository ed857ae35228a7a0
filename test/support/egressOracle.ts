// An oracle for the egress property tests, written apart from src/policy: it reads a TwiML answer with the
// XML parser directly and lists every destination, recipient and hand-off URL in it that the test's
// allow-lists (below) do not allow. Deliberately literal: exact strings and regular expressions, no shared code.
import { DOMParser, type Element } from '@xmldom/xmldom';

export const OWN_ORIGIN = 'https://voice.example.com';

/** The allow-lists every property test configures, and the oracle's reading of them. */
export const EGRESS_ENV = {
  OUTBOUND_ALLOWLIST: '+1555*',
  SIP_ALLOWLIST: 'pbx.example.com',
  TWIML_URL_ALLOWLIST: 'twiml.example.org',
  CLIENT_ALLOWLIST: 'agent-1',
  CONFERENCE_ALLOWLIST: 'standup',
  QUEUE_ALLOWLIST: 'support',
  SIM_ALLOWLIST: 'HS0123',
  APPLICATION_ALLOWLIST: 'AP0123',
};

const ALLOWED_NUMBER = /^\+1555\d{4,11}$/;
const ALLOWED_SIP = /^sips?:([^@\s;?]+@)?pbx\.example\.com\.?(:\d{1,5})?([;?][^\s]*)?$/i;
const ALLOWED_NAMES: Record<string, string> = {
  client: 'agent-1',
  identity: 'agent-1',
  conference: 'standup',
  queue: 'support',
  sim: 'HS0123',
  application: 'AP0123',
  applicationsid: 'AP0123',
};
const ALLOWED_ORIGINS = new Set([
  OWN_ORIGIN,
  'https://twiml.example.org',
  'wss://voice.example.com',
  'wss://twiml.example.org',
]);

const local = (name: string) => name.replace(/^.*:/, '').toLowerCase();

function textOf(el: Element): string {
  let text = '';
  for (let i = 0; i < el.childNodes.length; i++) {
    const node = el.childNodes.item(i);
    if (node && (node.nodeType === 3 || node.nodeType === 4)) text += node.nodeValue ?? '';
  }
  return text.trim();
}

function childElements(el: Element): Element[] {
  const out: Element[] = [];
  for (let i = 0; i < el.childNodes.length; i++) {
    const node = el.childNodes.item(i);
    if (node && node.nodeType === 1) out.push(node as Element);
  }
  return out;
}

function numberAllowed(raw: string): boolean {
  return ALLOWED_NUMBER.test(raw.replace(/[\s\-.()]/g, ''));
}

function urlAllowed(raw: string): boolean {
  const value = raw.trim();
  if (value === '') return true;
  if (/[\s\\]/.test(value) || /[^\x21-\x7e]/.test(value)) return false;
  try {
    const url = new URL(value, `${OWN_ORIGIN}/`);
    return ALLOWED_ORIGINS.has(`${url.protocol}//${url.host}`);
  } catch {
    return false;
  }
}

/** Every breach in the document, described; empty when everything in it is allowed (or it is not XML). */
export function breaches(xml: string): string[] {
  let root: Element | null = null;
  try {
    root = new DOMParser({ onError: () => undefined }).parseFromString(xml, 'text/xml').documentElement;
  } catch {
    return [];
  }
  const found: string[] = [];
  const visit = (el: Element): void => {
    const name = local(el.tagName);
    const text = textOf(el);
    if ((name === 'number' || name === 'dial') && text !== '' && !numberAllowed(text)) found.push(`${name} ${text}`);
    if (name === 'sip' && !ALLOWED_SIP.test(text)) found.push(`sip ${text}`);
    if (name === 'refer' && text !== '' && !ALLOWED_SIP.test(text)) found.push(`refer ${text}`);
    if (name in ALLOWED_NAMES && name !== 'client' && name !== 'application' && text !== ALLOWED_NAMES[name])
      found.push(`${name} ${text}`);
    if ((name === 'client' || name === 'application') && text !== '' && text !== ALLOWED_NAMES[name])
      found.push(`${name} ${text}`);
    if (name === 'redirect' && !urlAllowed(text)) found.push(`redirect ${text}`);
    for (let i = 0; i < el.attributes.length; i++) {
      const attr = el.attributes.item(i);
      if (!attr || attr.name === 'xmlns' || attr.name.startsWith('xmlns:')) continue;
      const attrName = local(attr.name);
      if ((name === 'message' || name === 'sms') && attrName === 'to' && !numberAllowed(attr.value))
        found.push(`${name} to ${attr.value}`);
      if (/callback/.test(attrName)) continue;
      const handsOff = ['action', 'url', 'waiturl', 'referurl'].includes(attrName);
      if ((handsOff || /^\s*([a-z][a-z0-9+.-]*:\/\/|\/\/)/i.test(attr.value)) && !urlAllowed(attr.value))
        found.push(`${name} ${attrName}=${attr.value}`);
    }
    childElements(el).forEach(visit);
  };
  if (root) visit(root);
  return found;
}
