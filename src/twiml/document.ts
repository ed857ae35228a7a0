// Owns the TwiML document model: reading a document as Twilio does (XML parsing, 12100; the <Response> root,
// 12102; the schema of verbs and what may nest in them, 12200, for voice and for messaging documents) into a
// tree of elements. The server's egress policy and the simulator both read documents through this module.
import { DOMParser, type Element, type Node as XmlNode } from '@xmldom/xmldom';

export interface TwimlElement {
  readonly name: string;
  readonly attrs: Readonly<Record<string, string>>;
  /** Text content, trimmed (for <Say> with SSML, the text of every child). */
  readonly text: string;
  readonly children: readonly TwimlElement[];
}

export interface TwimlError {
  readonly code: number;
  readonly message: string;
}

export type ParsedTwiml =
  { readonly ok: true; readonly verbs: readonly TwimlElement[] } | ({ readonly ok: false } & TwimlError);

export type DocumentKind = 'voice' | 'messaging';

const SSML = /^(break|emphasis|lang|p|phoneme|prosody|s|say-as|sub|w|amazon:.+)$/;

/** Verbs a document may hold, and for each the elements that may nest in it ('#ssml': SSML tags). */
const SCHEMA: Record<DocumentKind, Record<string, readonly string[]>> = {
  voice: {
    Say: ['#ssml'],
    Play: [],
    Pause: [],
    Gather: ['Say', 'Play', 'Pause'],
    Redirect: [],
    Dial: ['Number', 'Client', 'Sip', 'Conference', 'Queue', 'Sim', 'Application'],
    Record: [],
    Hangup: [],
    Reject: [],
    Enqueue: ['Task'],
    Leave: [],
    // The old voice verb that texts during a call (twilio's VoiceResponse still builds it). <Message> is a
    // messaging verb only: in a voice document Twilio rejects it (12200).
    Sms: [],
    // Real verbs this simulator does not play out; they are reported, not treated as errors.
    Connect: ['Stream', 'Room', 'Autopilot', 'VirtualAgent', 'ConversationRelay', 'Conversation', 'Assistant'],
    Start: ['Stream', 'Siprec', 'Transcription', 'Recording'],
    Stop: ['Stream', 'Siprec', 'Transcription', 'Recording'],
    Pay: ['Prompt', 'Parameter'],
    Refer: ['Sip'],
    Echo: [],
  },
  messaging: {
    Message: ['Body', 'Media'],
    Redirect: [],
  },
};

const ELEMENT_NODE = 1;
const TEXT_NODES = new Set([3, 4]); // text and CDATA

/** Deeper than any real document; bounds the recursion of every walk over the tree. */
const MAX_DEPTH = 64;

class TooDeep extends Error {}

function toElement(el: Element, depth = 0): TwimlElement {
  if (depth > MAX_DEPTH) throw new TooDeep();
  // No prototype: an attribute named __proto__ is just an attribute.
  const attrs = Object.create(null) as Record<string, string>;
  for (let i = 0; i < el.attributes.length; i++) {
    const a = el.attributes.item(i);
    if (a) attrs[a.name] = a.value;
  }
  const children: TwimlElement[] = [];
  let text = '';
  for (let i = 0; i < el.childNodes.length; i++) {
    const child = el.childNodes.item(i) as XmlNode;
    if (child.nodeType === ELEMENT_NODE) children.push(toElement(child as Element, depth + 1));
    else if (TEXT_NODES.has(child.nodeType)) text += child.nodeValue ?? '';
  }
  return { name: el.tagName, attrs, text: text.trim(), children };
}

/** All the text of an element, SSML children included: what <Say> speaks. */
export function spokenText(el: TwimlElement): string {
  return [el.text, ...el.children.map(spokenText)].filter(Boolean).join(' ');
}

/** The first nesting problem, depth first, or undefined. */
function schemaProblem(el: TwimlElement, allowed: readonly string[], where: string): string | undefined {
  for (const child of el.children) {
    const ok = allowed.includes(child.name) || (allowed.includes('#ssml') && SSML.test(child.name));
    if (!ok) return `<${child.name}> is not allowed in <${where}>`;
  }
  return undefined;
}

/** The encoding an XML declaration names, at the very start of the document (after an optional BOM). */
const XML_ENCODING = /^\uFEFF?\s*<\?xml\b[^>]*?\bencoding\s*=\s*["']([^"']*)["']/i;

export type ReadTwiml = { readonly ok: true; readonly root: TwimlElement } | ({ readonly ok: false } & TwimlError);

/** The element name without a namespace prefix: what a verb or noun is, however the document spells it. */
export function localName(name: string): string {
  return name.slice(name.indexOf(':') + 1);
}

/**
 * The whole document as a tree, root included, with no schema check: every element, attribute and text node
 * as the XML parser decoded them (entities resolved, CDATA as text). 12100 when it is not well-formed XML.
 */
export function readTwiml(xml: string): ReadTwiml {
  // Every document is served as UTF-8. One that declares another encoding (UTF-7, UTF-16, …) would be read
  // differently by a reader that honours the declaration than by the checks here: refused, not guessed at.
  const declared = XML_ENCODING.exec(xml)?.[1];
  if (declared !== undefined && !/^utf-?8$/i.test(declared))
    return {
      ok: false,
      code: 12100,
      message: `Document parse failure: it declares encoding "${declared.slice(0, 40)}"; TwiML here is UTF-8 only`,
    };
  let parseError: string | undefined;
  let root: Element | null = null;
  try {
    // xmldom reports errors through onError and also throws on fatal ones: both mean 12100.
    root = new DOMParser({
      onError: (level, message) => {
        if (level !== 'warning' && !parseError) parseError = String(message).split('\n')[0];
      },
    }).parseFromString(xml, 'text/xml').documentElement;
  } catch (err) {
    parseError ??= String((err as Error).message).split('\n')[0];
  }
  if (parseError || !root)
    return { ok: false, code: 12100, message: `Document parse failure: ${parseError ?? 'no root element'}` };
  try {
    return { ok: true, root: toElement(root) };
  } catch (err) {
    if (!(err instanceof TooDeep)) throw err;
    return { ok: false, code: 12100, message: `Document parse failure: elements nested more than ${MAX_DEPTH} deep` };
  }
}

export function parseTwiml(xml: string, kind: DocumentKind): ParsedTwiml {
  const read = readTwiml(xml);
  if (!read.ok) return read;
  const response = read.root;
  if (response.name !== 'Response') {
    return { ok: false, code: 12102, message: `The root element must be Response, not <${response.name}>` };
  }
  const schema = SCHEMA[kind];
  const verbs: TwimlElement[] = [];
  for (const verb of response.children) {
    const allowed = Object.hasOwn(schema, verb.name) ? schema[verb.name] : undefined;
    if (!allowed)
      return { ok: false, code: 12200, message: `Schema validation: <${verb.name}> is not a ${kind} TwiML verb` };
    const problem = schemaProblem(verb, allowed, verb.name);
    if (problem) return { ok: false, code: 12200, message: `Schema validation: ${problem}` };
    verbs.push(verb.name === 'Say' ? { ...verb, text: spokenText(verb), children: [] } : verb);
  }
  return { ok: true, verbs };
}
