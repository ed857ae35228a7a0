// Owns reading webhook parameters from where each kind may come from:
//   - the operator's settings (twimlet and bin parameters: Twiml, PhoneNumber, FailUrl, Options[1], …) come
//     only from the URL's query, which Twilio signs exactly as the operator configured it;
//   - Twilio's call data (From, To, Digits, Body, DialCallStatus, …) comes from the body of a POST, or the
//     query of a GET (where Twilio appends it after the operator's query, so the operator's value comes first).
// So a body parameter can never replace what the operator wrote in the URL.
import type { WebhookInput } from './webhookInput';

export type ParamValue = string | string[] | undefined;
export type Params = Readonly<Record<string, ParamValue>>;

function isParams(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** String and string-list values only, in an object without a prototype. */
function stringsOf(source: unknown): Params {
  const params = Object.create(null) as Record<string, ParamValue>;
  if (!isParams(source)) return params;
  for (const [key, value] of Object.entries(source)) {
    if (typeof value === 'string') params[key] = value;
    else if (Array.isArray(value) && value.every((v) => typeof v === 'string')) params[key] = value as string[];
  }
  return params;
}

/** The operator's parameters: the URL's query only. */
export function urlParams(req: WebhookInput): Params {
  return stringsOf(req.query);
}

/** Where Twilio's call data is, unread: the body of a POST (form or JSON), the query of a GET. */
export function callDataOf(req: WebhookInput): unknown {
  return req.method === 'POST' ? req.body : req.query;
}

/** Twilio's call data: the body of a POST (form or JSON), the query of a GET. */
export function callParams(req: WebhookInput): Params {
  return stringsOf(callDataOf(req));
}

/** One parameter as a single string (the first, when it was repeated), or undefined. */
export function param(params: Params, name: string): string | undefined {
  const value = params[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Every value of a list parameter in the order the twimlets define: `Name` (each repeat), then `Name[]`,
 * then `Name[0]`, `Name[1]`, … by numeric index (gaps allowed), as twimlets.com accepts them.
 */
export function listParam(params: Params, name: string): string[] {
  const asList = (v: ParamValue): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
  const indexed: Array<[number, string[]]> = [];
  const prefix = `${name}[`;
  for (const [key, value] of Object.entries(params)) {
    if (!key.startsWith(prefix) || !key.endsWith(']')) continue;
    const index = key.slice(prefix.length, -1);
    if (/^\d{1,6}$/.test(index)) indexed.push([Number(index), asList(value)]);
  }
  indexed.sort((a, b) => a[0] - b[0]);
  return [...asList(params[name]), ...asList(params[`${name}[]`]), ...indexed.flatMap(([, values]) => values)];
}
