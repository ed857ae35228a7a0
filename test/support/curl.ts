// Reads back what a printed curl command would send (enough shell quoting for the sign helper's output).

export interface CurlRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  /** Each --data* argument as written (names already URL-encoded, values not). */
  data: string[];
}

/** Splits a shell command line into words: 'single quotes', "double quotes with $VARIABLES", bare words. */
export function shellWords(command: string, env: Record<string, string> = {}): string[] {
  const words: string[] = [];
  const re = /'((?:[^']|'\\'')*)'|"((?:[^"\\]|\\.)*)"|(\S+)/g;
  for (const m of command.replace(/\\\n/g, ' ').matchAll(re)) {
    if (m[1] !== undefined) words.push(m[1].replace(/'\\''/g, "'"));
    else if (m[2] !== undefined)
      words.push(m[2].replace(/\$(\w+)/g, (_, name: string) => env[name] ?? '').replace(/\\(.)/g, '$1'));
    else words.push(m[3] as string);
  }
  return words;
}

export function parseCurl(command: string, env: Record<string, string> = {}): CurlRequest {
  const words = shellWords(command, env);
  const out: CurlRequest = { method: 'GET', url: '', headers: {}, data: [] };
  for (let i = 0; i < words.length; i++) {
    const w = words[i];
    if (w === '-X') out.method = words[++i] as string;
    else if (w === '-H') {
      const [k, ...v] = (words[++i] as string).split(': ');
      out.headers[k as string] = v.join(': ');
    } else if (['--data-urlencode', '--data-binary', '--data', '-d'].includes(w ?? ''))
      out.data.push(words[++i] as string);
    else if (w?.startsWith('http')) out.url = w;
  }
  return out;
}

/** The body curl would send for --data-urlencode NAME=VALUE arguments. */
export function formBody(data: string[]): string {
  return data
    .map((d) => {
      const eq = d.indexOf('=');
      return `${d.slice(0, eq)}=${encodeURIComponent(d.slice(eq + 1))}`;
    })
    .join('&');
}
