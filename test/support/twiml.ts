// Parses TwiML with a real XML parser into a small tree tests can assert on (verbs, attributes, text).
import { DOMParser, type Element, type Node as XmlNode } from '@xmldom/xmldom';

export interface TwimlNode {
  readonly name: string;
  readonly attrs: Record<string, string>;
  /** Concatenated text of direct text children (decoded). */
  readonly text: string;
  readonly children: TwimlNode[];
}

const ELEMENT_NODE = 1;
const TEXT_NODE = 3;

function toNode(el: Element): TwimlNode {
  const attrs: Record<string, string> = {};
  for (let i = 0; i < el.attributes.length; i++) {
    const a = el.attributes.item(i);
    if (a) attrs[a.name] = a.value;
  }
  const children: TwimlNode[] = [];
  let text = '';
  for (let i = 0; i < el.childNodes.length; i++) {
    const child = el.childNodes.item(i) as XmlNode;
    if (child.nodeType === ELEMENT_NODE) children.push(toNode(child as Element));
    else if (child.nodeType === TEXT_NODE) text += child.nodeValue ?? '';
  }
  return { name: el.tagName, attrs, text, children };
}

/** Parses a TwiML document; throws on malformed XML or a root other than <Response>. */
export function parseTwiml(xml: string): TwimlNode {
  const doc = new DOMParser({
    onError: (level, message) => {
      if (level !== 'warning') throw new Error(`invalid XML (${level}): ${message}`);
    },
  }).parseFromString(xml, 'text/xml');
  const root = doc.documentElement;
  if (!root) throw new Error('no root element');
  const node = toNode(root);
  if (node.name !== 'Response') throw new Error(`root is <${node.name}>, not <Response>`);
  return node;
}

/** The verb names of the top level, in order: ['Say', 'Gather', 'Hangup']. */
export const verbs = (node: TwimlNode): string[] => node.children.map((c) => c.name);

/** The only child with this name (fails the test when there are none or several). */
export function only(node: TwimlNode, name: string): TwimlNode {
  const found = node.children.filter((c) => c.name === name);
  if (found.length !== 1) throw new Error(`expected one <${name}> in <${node.name}>, found ${found.length}`);
  return found[0] as TwimlNode;
}
