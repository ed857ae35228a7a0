// Owns user:password@ in a URL (Twilio's HTTP authentication for webhook URLs): masked for logs and messages,
// dropped for the URL as requested on the wire, and the Basic Authorization value the pair stands for.
const USERINFO = /^([a-z][a-z0-9+.-]*:\/\/)[^@/?#]*@/i;

/** The URL as it may appear in a log line or an error message: any user name and password shown as "***". */
export const maskCredentials = (url: string): string => url.replace(USERINFO, '$1***@');

/** The URL without its user name and password (what a client puts on the wire). */
export const stripCredentials = (url: string): string => url.replace(USERINFO, '$1');

/** The Authorization header value for HTTP Basic with this pair. */
export const basicAuthorization = (username: string, password: string): string =>
  `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
