// Owns the allow-list entry shapes the egress policy matches against, besides phone numbers: names (Client
// identities, conference and queue names, SIM and TwiML App SIDs: exact, "prefix*" or "*") and host names
// (SIP domains and TwiML URL hosts: exact, "*.domain" for its subdomains, optionally ":port" for URL hosts).

/** Matches a value against a list of names; case-sensitive, so a look-alike spelling is never let through. */
export interface NameList {
  readonly configured: boolean;
  allows(value: string): boolean;
}

export function createNameList(entries: readonly string[] | undefined): NameList {
  const exact = new Set<string>();
  const prefixes: string[] = [];
  for (const entry of entries ?? []) {
    if (entry.endsWith('*')) prefixes.push(entry.slice(0, -1));
    else exact.add(entry);
  }
  return {
    configured: exact.size + prefixes.length > 0,
    allows: (value) => value !== '' && (exact.has(value) || prefixes.some((p) => value.startsWith(p))),
  };
}

/** A DNS host name as the lists hold it: lower case, letters, digits, dots and dashes, no trailing dot. */
export const HOST_NAME =
  /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/;

/** Matches host names (and, for entries that name one, ports) against "host", "*.domain" and "host:port". */
export interface HostList {
  readonly configured: boolean;
  /**
   * `hostname` lower case without a trailing dot; `port` as a URL gives it ('' for the scheme's default). An
   * entry without a port allows only the default port.
   */
  allows(hostname: string, port?: string): boolean;
}

export function createHostList(entries: readonly string[] | undefined): HostList {
  const rules = (entries ?? []).map((entry) => {
    const [host = '', port] = entry.split(':');
    const wildcard = host.startsWith('*.');
    return { name: wildcard ? host.slice(1) : host, wildcard, port };
  });
  return {
    configured: rules.length > 0,
    allows(hostname, port = '') {
      return rules.some(
        (rule) =>
          (rule.wildcard
            ? hostname.endsWith(rule.name) && hostname.length > rule.name.length
            : hostname === rule.name) && (rule.port ?? '') === port,
      );
    },
  };
}
