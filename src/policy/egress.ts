// Owns the egress policy: the one decision, for every TwiML document this server sends, of whether it dials,
// texts or hands the call to anything the operator did not allow. It reads the document through the TwiML
// document model and walks every element, whatever wrote it (our views, a twimlet's query, an echoed
// document, a TwiML Bin):
//   - destinations: <Number>, <Dial> text (also next to nouns), <Sip> and <Refer> targets (by SIP host),
//     <Client>, <Conference>, <Queue>, <Sim>, <Application>, and <Message to> / <Sms to> recipients;
//   - hand-offs: every URL that gives the call or message to other TwiML or streams its audio (<Redirect>,
//     action, url, waitUrl, referUrl, <Stream url>, and any other attribute holding an absolute URL) must be
//     on this server's origin or a TWIML_URL_ALLOWLIST host. Callback attributes (they only receive data) and
//     <Play>/<Media> audio are outside this rule.
// Element and attribute names are matched by local name and case-insensitively, so neither a namespace
// prefix nor an odd spelling slips a destination past it; anything it cannot read is refused.
import { localName, readTwiml, type TwimlElement } from '../twiml/document';
import { toE164, type Allowlist } from './phoneNumbers';
import { HOST_NAME, type HostList, type NameList } from './patterns';

export interface EgressRules {
  /** OUTBOUND_ALLOWLIST: phone numbers dialled or texted. */
  readonly numbers: Allowlist;
  readonly defaultCountry?: 'US';
  /** SIP_ALLOWLIST: SIP hosts <Sip> and <Refer> may reach. */
  readonly sipDomains: HostList;
  /** TWIML_URL_ALLOWLIST: hosts other than our own that may receive a call or message. */
  readonly urlHosts: HostList;
  readonly clients: NameList;
  readonly conferences: NameList;
  readonly queues: NameList;
  readonly sims: NameList;
  readonly applications: NameList;
}

/** Why a document may not be sent: the element that breaks the policy and the reason (no document text). */
export interface Refusal {
  readonly element: string;
  readonly reason: string;
}

export interface EgressPolicy {
  /**
   * Undefined when the document may be sent; otherwise the first element that breaks the policy.
   * `ownOrigin` is this server's origin as Twilio reaches it (relative URLs resolve against it).
   */
  check(xml: string, ownOrigin: string): Refusal | undefined;
  /**
   * The same for a document already read into elements. With `emptyIsSlot`, an empty destination is taken
   * for a slot a template fills per request (TwiML Bins check their static content this way).
   */
  checkElement(
    root: TwimlElement,
    ownOrigin: string,
    options?: { readonly emptyIsSlot?: boolean },
  ): Refusal | undefined;
}

/** Attributes that hand the call (or message) to other TwiML or a media stream, even when relative. */
const HAND_OFF_ATTRIBUTES = new Set(['action', 'url', 'waiturl', 'referurl']);
/** Attributes that only receive data: status, recording, transcription and AMD callbacks. */
const CALLBACK_ATTRIBUTE = /callback/; // tested on the lower-case local name
/** An attribute value that is an absolute (or scheme-relative) URL, whatever the attribute is called. */
const LOOKS_LIKE_URL = /^\s*([a-z][a-z0-9+.-]*:\/\/|\/\/)/i;
/** Only plain printable ASCII in a hand-off URL: no spaces, back-slashes or look-alike characters. */
const PLAIN_URL = /^[\x21-\x5b\x5d-\x7e]*$/;

/** Web schemes by the origin they share: a media stream (ws, wss) lives beside its page (http, https). */
const WEB_SCHEMES: Readonly<Record<string, string>> = {
  'http:': 'http:',
  'https:': 'https:',
  'ws:': 'http:',
  'wss:': 'https:',
};

const refuse = (element: string, reason: string): Refusal => ({ element: `<${element}>`, reason });

/** The lower-case local name, how the policy recognises a verb or noun. */
const kindOf = (el: TwimlElement): string => localName(el.name).toLowerCase();

/** SIP URI host: sip:user@host:port;params?headers, lower case without a trailing dot; undefined if unreadable. */
export function sipHost(uri: string): string | undefined {
  const match = /^sips?:([^;?>]*)/i.exec(uri.trim());
  if (!match || /\s/.test(uri.trim())) return undefined;
  const address = match[1] as string;
  const parts = address.split('@');
  if (parts.length > 2) return undefined;
  const hostPort = parts[parts.length - 1] as string;
  const host = hostPort
    .replace(/:\d{1,5}$/, '')
    .toLowerCase()
    .replace(/\.$/, '');
  return HOST_NAME.test(host) ? host : undefined;
}

export function createEgressPolicy(rules: EgressRules): EgressPolicy {
  // `slots`: checking a template's static content, where an empty destination is a slot the request fills
  // (judged per request), not a destination.

  function phoneRefusal(element: string, raw: string, slots: boolean): Refusal | undefined {
    if (slots && raw.trim() === '') return undefined;
    const e164 = toE164(raw, rules.defaultCountry);
    if (!e164) return refuse(element, 'not a phone number');
    const reason = rules.numbers.refusal(e164);
    return reason ? refuse(element, reason) : undefined;
  }

  function sipRefusal(element: string, uri: string, slots: boolean): Refusal | undefined {
    if (slots && uri === '') return undefined; // element text: already trimmed
    const host = sipHost(uri);
    if (!host) return refuse(element, 'not a SIP URI with a host');
    if (!rules.sipDomains.configured) return refuse(element, `SIP host ${host}: no SIP_ALLOWLIST`);
    return rules.sipDomains.allows(host) ? undefined : refuse(element, `SIP host ${host} is not in SIP_ALLOWLIST`);
  }

  function nameRefusal(
    element: string,
    value: string,
    list: NameList,
    variable: string,
    slots: boolean,
  ): Refusal | undefined {
    if (slots && value === '') return undefined;
    if (!list.configured) return refuse(element, `no ${variable}`);
    return list.allows(value) ? undefined : refuse(element, `not in ${variable}`);
  }

  function urlRefusal(element: string, raw: string, own: URL): Refusal | undefined {
    const value = raw.trim();
    if (value === '') return undefined; // no URL: Twilio stays on the current document
    if (!PLAIN_URL.test(value)) return refuse(element, 'URL with spaces, back-slashes or non-ASCII characters');
    let url: URL;
    try {
      url = new URL(value, own);
    } catch {
      return refuse(element, 'not a URL');
    }
    const scheme = WEB_SCHEMES[url.protocol];
    if (!scheme) return refuse(element, `URL scheme ${url.protocol} cannot be allowed`);
    // URL.port is '' for the scheme's default port, and ws/wss share http/https's defaults: with the same
    // scheme, the same port string is the same port.
    if (scheme === own.protocol && url.hostname === own.hostname && url.port === own.port) return undefined;
    // Another host only over TLS: plain http would let anyone on the path rewrite the TwiML it answers.
    if (scheme === 'https:' && rules.urlHosts.allows(url.hostname.replace(/\.$/, ''), url.port)) return undefined;
    return refuse(element, `URL host ${url.hostname} is neither this server nor in TWIML_URL_ALLOWLIST`);
  }

  /**
   * Every target a Client or Application names: the text of its `childName` children and its own text. Both
   * are judged: Twilio reads one or the other, and which one is not for a document to decide.
   */
  function targetNames(el: TwimlElement, childName: string): string[] {
    const named = el.children.filter((c) => kindOf(c) === childName).map((c) => c.text);
    return el.text === '' ? named : [...named, el.text];
  }

  function destinationRefusal(el: TwimlElement, kind: string, slots: boolean): Refusal | undefined {
    const name = el.name;
    const leaf = (): Refusal | undefined =>
      el.children.length > 0 ? refuse(name, 'an element inside a destination') : undefined;
    switch (kind) {
      case 'dial':
        return el.text === '' ? undefined : phoneRefusal(name, el.text, slots);
      case 'number':
        return leaf() ?? phoneRefusal(name, el.text, slots);
      case 'sip':
        return leaf() ?? sipRefusal(name, el.text, slots);
      case 'refer':
        return el.text === '' ? undefined : sipRefusal(name, el.text, slots);
      case 'conference':
        return leaf() ?? nameRefusal(name, el.text, rules.conferences, 'CONFERENCE_ALLOWLIST', slots);
      case 'queue':
        return leaf() ?? nameRefusal(name, el.text, rules.queues, 'QUEUE_ALLOWLIST', slots);
      case 'sim':
        return leaf() ?? nameRefusal(name, el.text, rules.sims, 'SIM_ALLOWLIST', slots);
      case 'client':
      case 'application': {
        const [child, list, variable] =
          kind === 'client'
            ? (['identity', rules.clients, 'CLIENT_ALLOWLIST'] as const)
            : (['applicationsid', rules.applications, 'APPLICATION_ALLOWLIST'] as const);
        const extra = el.children.find((c) => ![child, 'parameter'].includes(kindOf(c)));
        if (extra) return refuse(extra.name, `not expected inside <${name}>`);
        const targets = targetNames(el, child);
        if (targets.length === 0) return slots ? undefined : refuse(name, 'no target named');
        for (const target of targets) {
          const refusal = nameRefusal(name, target, list, variable, slots);
          if (refusal) return refusal;
        }
        return undefined;
      }
      case 'message':
      case 'sms': {
        // Without `to`, Twilio answers the party who called or texted: always allowed.
        for (const [attr, value] of Object.entries(el.attrs)) {
          const refusal = localName(attr).toLowerCase() === 'to' ? phoneRefusal(name, value, slots) : undefined;
          if (refusal) return refusal;
        }
        return undefined;
      }
      default:
        return undefined;
    }
  }

  function handOffRefusal(el: TwimlElement, kind: string, own: URL): Refusal | undefined {
    if (kind === 'redirect') {
      const refusal = urlRefusal(el.name, el.text, own);
      if (refusal) return refusal;
    }
    for (const [attr, value] of Object.entries(el.attrs)) {
      const name = localName(attr).toLowerCase();
      if (attr === 'xmlns' || attr.startsWith('xmlns:')) continue; // namespace declarations, not addresses
      if (CALLBACK_ATTRIBUTE.test(name)) continue;
      if (HAND_OFF_ATTRIBUTES.has(name) || LOOKS_LIKE_URL.test(value)) {
        const refusal = urlRefusal(`${el.name} ${attr}`, value, own);
        if (refusal) return refusal;
      }
    }
    return undefined;
  }

  function walk(el: TwimlElement, own: URL, slots: boolean): Refusal | undefined {
    const kind = kindOf(el);
    const refusal = destinationRefusal(el, kind, slots) ?? handOffRefusal(el, kind, own);
    if (refusal) return refusal;
    for (const child of el.children) {
      const found = walk(child, own, slots);
      if (found) return found;
    }
    return undefined;
  }

  function checkElement(
    root: TwimlElement,
    ownOrigin: string,
    options: { readonly emptyIsSlot?: boolean } = {},
  ): Refusal | undefined {
    let own: URL;
    try {
      own = new URL(ownOrigin);
    } catch {
      return refuse(root.name, 'this server origin could not be determined');
    }
    return walk(root, own, options.emptyIsSlot === true);
  }

  return {
    check(xml, ownOrigin) {
      const read = readTwiml(xml);
      if (!read.ok) return refuse('Response', `unreadable TwiML (${read.code})`);
      return checkElement(read.root, ownOrigin);
    },
    checkElement,
  };
}
