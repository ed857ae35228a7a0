// Owns self-hosted TwiML Bins: Handlebars templates in BINS_DIR, served at /bins/<name>. Each template is
// compiled and checked when the server starts (it must render to valid TwiML with a <Response> root), so a
// broken one stops the start with its file name and the reason. Request values are XML-escaped (and cleared
// of characters XML cannot carry) before they reach a template, so no parameter can inject markup, not even
// through {{{triple-stash}}}. A bin whose static content already breaks the egress policy (a hard-coded
// number, SIP host or hand-off URL the operator did not allow) stops the start too, naming the element; what
// each request renders passes the egress gate like every other document.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import Handlebars from 'handlebars';
import type { Params } from '../http/params';
import { toE164 } from '../policy/phoneNumbers';
import type { EgressPolicy } from '../policy/egress';
import { parseTwiml, readTwiml, type DocumentKind } from './document';
import { escapeMarkup, xmlText } from '../markup';

export interface Bin {
  readonly name: string;
  readonly kind: DocumentKind;
  render(params: Params): string;
}

export class BinError extends Error {
  constructor(file: string, reason: string) {
    super(`TwiML Bin ${file}: ${reason}`);
    this.name = 'BinError';
  }
}

const BIN_FILE = /^([a-z0-9][a-z0-9_-]{0,63})\.(xml|hbs)$/i;

const xmlEscape = (value: string): string => escapeMarkup(xmlText(value));

/** The request's parameters, escaped for XML, in an object without a prototype. */
function escapedContext(params: Params): Record<string, string | string[]> {
  const context = Object.create(null) as Record<string, string | string[]>;
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined) context[key] = Array.isArray(value) ? value.map(xmlEscape) : xmlEscape(value);
  }
  return context;
}

/** Which schema the rendered template satisfies (voice first), or the reason it satisfies neither. */
function kindOf(xml: string): DocumentKind | string {
  const voice = parseTwiml(xml, 'voice');
  if (voice.ok) return 'voice';
  const messaging = parseTwiml(xml, 'messaging');
  if (messaging.ok) return 'messaging';
  return `${voice.code} ${voice.message}`;
}

export interface BinChecks {
  readonly policy: EgressPolicy;
  /** This server's origin (PUBLIC_BASE_URL), against which relative URLs in a bin resolve. */
  readonly ownOrigin: string;
  readonly defaultCountry?: 'US';
}

/** The static content's first breach of the egress policy (empty slots left for requests to fill), if any. */
function policyProblem(xml: string, checks: BinChecks): string | undefined {
  const read = readTwiml(xml);
  if (!read.ok) return `${read.code} ${read.message}`;
  const refusal = checks.policy.checkElement(read.root, checks.ownOrigin, { emptyIsSlot: true });
  return refusal && `${refusal.element} breaks the egress policy: ${refusal.reason}`;
}

/** XML comments are notes for the bin's author: never template text (their {{slots}} are not filled). */
const XML_COMMENT = /<!--[\s\S]*?-->/g;

/**
 * Where a Handlebars parse error is, as "line L, column C": Handlebars names the line and shows the text before
 * the error (newlines removed) above a caret; the column is where that text ends in the source's line.
 */
export function templateErrorPlace(source: string, message: string): string | undefined {
  const m = /^Parse error on line (\d+):\n(.*)\n(-*)\^/.exec(message);
  if (!m) return undefined;
  const line = Number(m[1]);
  const excerpt = m[2] as string;
  const start = excerpt.startsWith('...') ? 3 : 0;
  const before = excerpt.slice(start, (m[3] as string).length);
  const lines = source.split('\n');
  const lineStart = lines.slice(0, line - 1).join('').length;
  const flat = lines.slice(0, line).join('');
  for (let at = flat.indexOf(before); at !== -1; at = flat.indexOf(before, at + 1)) {
    const end = at + before.length;
    if (end >= lineStart) return `line ${line}, column ${end - lineStart + 1}`;
  }
  return `line ${line}`;
}

export function loadBins(dir: string, checks: BinChecks): Map<string, Bin> {
  const { defaultCountry } = checks;
  const bins = new Map<string, Bin>();
  if (!existsSync(dir)) return bins;
  const handlebars = Handlebars.create();
  // {{e164 From}}: the number in E.164, or nothing when it is not a phone number.
  handlebars.registerHelper('e164', (value: unknown) =>
    typeof value === 'string' ? (toE164(value, defaultCountry) ?? '') : '',
  );
  for (const file of readdirSync(dir).sort()) {
    const match = BIN_FILE.exec(file);
    if (!match) continue;
    const name = (match[1] as string).toLowerCase();
    const where = path.join(dir, file);
    let template: HandlebarsTemplateDelegate;
    // Comments become blanks of the same shape, so lines and columns in error messages stay the file's own.
    const source = readFileSync(where, 'utf8').replace(XML_COMMENT, (c) => c.replace(/[^\n]/g, ' '));
    try {
      template = handlebars.compile(source, { noEscape: true, strict: false });
      template({});
    } catch (err) {
      // The whole reason: where, the excerpt with its caret, and what Handlebars expected there.
      const message = (err as Error).message;
      const place = templateErrorPlace(source, message);
      throw new BinError(where, `template does not compile${place ? ` at ${place}` : ''}:\n${message}`);
    }
    const empty = template({});
    const kind = kindOf(empty);
    if (kind !== 'voice' && kind !== 'messaging') throw new BinError(where, kind);
    const problem = policyProblem(empty, checks);
    if (problem) throw new BinError(where, problem);
    if (bins.has(name)) throw new BinError(where, `a bin named "${name}" exists twice`);
    bins.set(name, { name, kind, render: (params) => template(escapedContext(params)) });
  }
  return bins;
}
