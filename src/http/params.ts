// Owns reading Twilio's webhook parameters, which arrive in the query (GET) or the form body (POST).
import type { Request } from 'express';

export type ParamValue = string | string[] | undefined;
export type Params = Record<string, ParamValue>;

function isParams(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Query and body parameters together; body values win (Twilio puts call data in the body of a POST). */
export function twilioParams(req: Request): Params {
  const merged: Params = {};
  for (const source of [req.query, req.body]) {
    if (!isParams(source)) continue;
    for (const [key, value] of Object.entries(source)) {
      if (typeof value === 'string') merged[key] = value;
      else if (Array.isArray(value) && value.every((v) => typeof v === 'string')) merged[key] = value as string[];
    }
  }
  return merged;
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
