// Owns making text safe inside markup, for the XML of TwiML and the HTML of the inbox alike: characters XML 1.0
// cannot carry at all (C0 controls other than tab, newline and carriage return; lone surrogates; U+FFFE and
// U+FFFF) are dropped (the TwiML builder escapes <, > and &, but throws on these, and a caller's text may hold
// anything), and the five markup characters become entities both languages read (&#39; for the apostrophe).
const NOT_XML = /[^\u0009\u000A\u000D\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

export function xmlText(text: string): string {
  return text.replace(NOT_XML, '');
}

const ENTITIES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Text as element content or a quoted attribute value, in XML or HTML. */
export function escapeMarkup(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c] as string);
}
