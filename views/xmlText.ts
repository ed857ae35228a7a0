// Owns making text safe for an XML document: characters XML 1.0 cannot carry at all (C0 controls other than
// tab, newline and carriage return; lone surrogates; U+FFFE and U+FFFF) are dropped. The TwiML builder
// escapes <, > and &, but throws on these, and a caller's text may hold anything.
const NOT_XML = /[^\u0009\u000A\u000D\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

export function xmlText(text: string): string {
  return text.replace(NOT_XML, '');
}
