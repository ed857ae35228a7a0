// HTML as a browser parses it (jsdom), so page tests assert on elements, not on strings.
import { JSDOM } from 'jsdom';

export function parsePage(html: string): Document {
  return new JSDOM(html).window.document;
}

/** The visible text of the elements a selector matches, whitespace folded. */
export function texts(doc: Document, selector: string): string[] {
  return [...doc.querySelectorAll(selector)].map((e) => (e.textContent ?? '').replace(/\s+/g, ' ').trim());
}
