// Owns the process configuration: reads an environment object once, validates every variable with one
// schema, and returns a frozen, typed Config. Nothing else in the app reads process.env.
import { isIP } from 'node:net';
import { z } from 'zod';
import { ACCOUNT_SID, API_KEY_SID, DIAL_TIMEOUT, E164, LANGUAGE_TAG, SAY_VOICE, isEmailAddress } from './formats';
import { maskCredentials } from './http/urlCredentials';
import { isPasswordHash } from './inbox/passwords';
import { HOST_NAME } from './policy/patterns';
import { createAllowlist } from './policy/phoneNumbers';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/**
 * One of a fixed set of words (case-insensitive, trimmed), else the error names the value and the choices in
 * the style of the other config errors: must be one of development, production or test, got "prod".
 */
const oneOf = <const T extends readonly [string, ...string[]]>(choices: T, fallback: T[number]) =>
  z
    .string()
    .optional()
    .transform((v, ctx): T[number] => {
      const s = (v ?? '').trim().toLowerCase();
      if (s === '') return fallback;
      const found = choices.find((c) => c === s);
      if (found !== undefined) return found;
      const list = `${choices.slice(0, -1).join(', ')} or ${choices.at(-1)}`;
      ctx.addIssue({ code: 'custom', message: `must be one of ${list}, got "${v}"` });
      return z.NEVER;
    });

const optionalText = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

const textWithDefault = (fallback: string) =>
  z
    .string()
    .optional()
    .transform((v) => (v === undefined || v.trim() === '' ? fallback : v.trim()));

/** The default menu: it offers to put the caller through only when there is someone to put them through to. */
export function menuPromptFor(forwarding: boolean): string {
  return `${forwarding ? 'To speak with someone, press 1 or say one. ' : ''}To leave a voicemail, press 2. To hear this message again, press 3.`;
}

/** True for a time zone name this Node knows (IANA, e.g. Europe/Paris, or UTC). */
function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

const booleanFlag = (fallback: boolean) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v.trim() === '') return fallback;
      const s = v.trim().toLowerCase();
      if (['true', '1', 'yes', 'on'].includes(s)) return true;
      if (['false', '0', 'no', 'off'].includes(s)) return false;
      ctx.addIssue({ code: 'custom', message: `must be true or false, got "${v}"` });
      return z.NEVER;
    });

const integerInRange = (fallback: number, min: number, max: number) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v.trim() === '') return fallback;
      const n = Number(v.trim());
      if (!Number.isInteger(n) || n < min || n > max) {
        ctx.addIssue({ code: 'custom', message: `must be a whole number from ${min} to ${max}, got "${v}"` });
        return z.NEVER;
      }
      return n;
    });

/** NOTIFY_EMAIL: one address or a comma-separated list of them. */
const emailList = z
  .string()
  .optional()
  .transform((v, ctx) => {
    const emails = (v ?? '')
      .split(',')
      .map((e) => e.trim())
      .filter(Boolean);
    const bad = emails.find((e) => !isEmailAddress(e));
    if (bad !== undefined) {
      ctx.addIssue({ code: 'custom', message: `must be e-mail addresses separated by commas, got "${bad}"` });
      return z.NEVER;
    }
    return [...new Set(emails)];
  });

/**
 * INBOX_USERS: name:hash pairs separated by commas, each hash from `npm run hash-password`. A value that is not
 * such a hash (a plain password, say) is refused without being echoed.
 */
const inboxUsers = z
  .string()
  .optional()
  .transform((v, ctx) => {
    const users = new Map<string, string>();
    for (const entry of (v ?? '')
      .split(',')
      .map((e) => e.trim())
      .filter(Boolean)) {
      const colon = entry.indexOf(':');
      const name = colon > 0 ? entry.slice(0, colon) : '';
      const hash = entry.slice(colon + 1);
      if (!/^[A-Za-z0-9._-]{1,64}$/.test(name) || !isPasswordHash(hash)) {
        ctx.addIssue({
          code: 'custom',
          message: `must be name:hash pairs separated by commas, each hash printed by npm run hash-password (entry ${users.size + 1} is not)`,
        });
        return z.NEVER;
      }
      users.set(name, hash);
    }
    return users;
  });

/**
 * DATABASE_URL: sqlite:<file> (or sqlite::memory:) or postgres://…; unset gives undefined (the default file,
 * chosen in loadConfig). A PostgreSQL URL's password is never echoed back.
 */
const databaseUrl = optionalText.refine((v) => v === undefined || /^(sqlite:.+|postgres(ql)?:\/\/\S+)$/i.test(v), {
  message:
    'must be sqlite:<file path> (or sqlite::memory:) or a postgres:// URL such as postgres://user@127.0.0.1:5432/twiml',
});

const e164Optional = optionalText.refine((v) => v === undefined || E164.test(v), {
  message: 'must be an E.164 phone number such as +14155551212',
});

/** `trust proxy` as Express understands it, but never `true` (that trusts every hop's X-Forwarded-*). */
const trustProxy = z
  .string()
  .optional()
  .transform((v, ctx): false | number | string => {
    const s = (v ?? '').trim();
    if (s === '' || s.toLowerCase() === 'false') return false;
    if (/^\d+$/.test(s)) return Number(s);
    if (s.toLowerCase() === 'true') {
      ctx.addIssue({
        code: 'custom',
        message:
          'must not be "true" (that trusts X-Forwarded-* from anyone); use the number of proxies in front (e.g. 1) or their addresses (e.g. loopback or 10.0.0.4)',
      });
      return z.NEVER;
    }
    if (!/^[\w.:/, -]+$/.test(s)) {
      ctx.addIssue({ code: 'custom', message: 'must be false, a hop count, or comma-separated addresses/subnets' });
      return z.NEVER;
    }
    return s;
  });

/** Comma-separated entries, each checked by `valid`; empty or unset → undefined (nothing allowed). */
const listOf = (valid: (entry: string) => boolean, shape: string, normalise: (e: string) => string = (e) => e) =>
  z
    .string()
    .optional()
    .transform((v, ctx): string[] | undefined => {
      if (v === undefined || v.trim() === '') return undefined;
      const entries = v
        .split(',')
        .map((e) => normalise(e.trim()))
        .filter(Boolean);
      const bad = entries.filter((e) => !valid(e));
      if (bad.length > 0) {
        ctx.addIssue({
          code: 'custom',
          message: `must list ${shape}, separated by commas; not valid: ${bad.join(', ')}`,
        });
        return z.NEVER;
      }
      return entries;
    });

/** Comma-separated E.164 numbers and prefixes ending in * (+1*, +4420*); a bare * is refused on purpose. */
const allowlist = listOf(
  (e) => /^\+\d{1,15}\*?$/.test(e) && (e.endsWith('*') || E164.test(e)),
  'E.164 numbers or prefixes like +1* or +4420*',
);

/** SIP domains: pbx.example.com, or *.example.com for its subdomains. */
const sipDomains = listOf(
  (e) => HOST_NAME.test(e.replace(/^\*\./, '')),
  'host names like pbx.example.com or *.sip.example.com',
  (e) => e.toLowerCase().replace(/\.$/, ''),
);

/** TwiML URL hosts: example.com, *.example.com, or either with :port. */
const urlHosts = listOf(
  (e) => {
    const [host, port, ...rest] = e.split(':');
    const portOk = port === undefined || (/^\d{1,5}$/.test(port) && Number(port) > 0 && Number(port) < 65536);
    return rest.length === 0 && portOk && HOST_NAME.test((host ?? '').replace(/^\*\./, ''));
  },
  'host names like twiml.example.com, *.example.com or example.com:8443',
  (e) => e.toLowerCase(),
);

/** Client identities, conference and queue names, SIM and TwiML App SIDs: exact, prefix* or *. */
const names = listOf(
  (e) => /^[\x21-\x7e]{1,256}$/.test(e) && !e.slice(0, -1).includes('*'),
  'names, prefixes like support-* or *',
);

/**
 * An http(s) origin with an optional path prefix; stored without a trailing slash. With `credentials`, it may
 * carry user:password@ (Twilio's HTTP authentication for webhook URLs); elsewhere credentials are refused.
 */
const httpBaseUrl = (credentials: boolean) =>
  optionalText.transform((v, ctx) => {
    if (v === undefined) return undefined;
    const shown = maskCredentials(v);
    let url: URL;
    try {
      url = new URL(v);
    } catch {
      ctx.addIssue({
        code: 'custom',
        message: `must be an absolute http(s) URL such as https://example.com, got "${shown}"`,
      });
      return z.NEVER;
    }
    if (!['http:', 'https:'].includes(url.protocol)) {
      ctx.addIssue({ code: 'custom', message: `must start with http:// or https://, got "${shown}"` });
      return z.NEVER;
    }
    if (url.search || url.hash || (!credentials && (url.username || url.password))) {
      ctx.addIssue({
        code: 'custom',
        message: credentials
          ? 'must be an http(s) origin (optionally with user:password@ and a path prefix), without query or fragment'
          : 'must be an http(s) origin (optionally with a path prefix), without query, fragment or credentials',
      });
      return z.NEVER;
    }
    if (credentials && (url.username === '') !== (url.password === '')) {
      ctx.addIssue({ code: 'custom', message: 'must carry both a user name and a password, or neither' });
      return z.NEVER;
    }
    return v.replace(/\/+$/, '');
  });
const publicBaseUrl = httpBaseUrl(false);

const variables = z.object({
  NODE_ENV: oneOf(['development', 'production', 'test'] as const, 'development'),
  PORT: integerInRange(3000, 0, 65535),
  HOST: optionalText.refine((v) => v === undefined || isIP(v) !== 0, {
    message: 'must be an IP address to listen on, such as 127.0.0.1 (behind a proxy on the same machine) or ::',
  }),
  PUBLIC_BASE_URL: httpBaseUrl(true),
  TWILIO_ACCOUNT_SID: optionalText.refine((v) => v === undefined || ACCOUNT_SID.test(v), {
    message: 'must be an Account SID: "AC" followed by 32 lowercase hex characters',
  }),
  TWILIO_AUTH_TOKEN: optionalText.refine((v) => v === undefined || /^[0-9a-f]{32}$/.test(v), {
    message: 'must be the 32-character hex auth token from the Twilio Console',
  }),
  TWILIO_PHONE_NUMBER: e164Optional,
  TWILIO_VALIDATE_SIGNATURE: booleanFlag(true),
  TRUST_PROXY: trustProxy,
  LOG_LEVEL: oneOf(LOG_LEVELS, 'info'),
  BODY_LIMIT_BYTES: integerInRange(64 * 1024, 1024, 10 * 1024 * 1024),
  SHUTDOWN_TIMEOUT_MS: integerInRange(10_000, 0, 120_000),
  REQUEST_TIMEOUT_MS: integerInRange(30_000, 1_000, 300_000),
  SAY_VOICE: optionalText.refine((v) => v === undefined || SAY_VOICE.test(v), {
    message: 'must be a Twilio voice name such as alice or Polly.Joanna-Neural',
  }),
  SAY_LANGUAGE: optionalText.refine((v) => v === undefined || LANGUAGE_TAG.test(v), {
    message: 'must be a language tag such as en-US',
  }),
  VOICE_GREETING: textWithDefault('Thanks for calling.'),
  // Unset: the default for the settings, offering option 1 only when FORWARD_TO is set (menuPromptFor).
  VOICE_MENU_PROMPT: optionalText,
  VOICEMAIL_PROMPT: textWithDefault('Please leave a message after the tone. Press the pound key when you are done.'),
  VOICEMAIL_THANKS: textWithDefault('Thanks for your message. Goodbye.'),
  VOICEMAIL_MAX_LENGTH: integerInRange(120, 1, 14_400),
  VOICEMAIL_TRANSCRIBE: booleanFlag(false),
  FORWARD_TO: e164Optional,
  FORWARD_TIMEOUT: integerInRange(20, DIAL_TIMEOUT.min, DIAL_TIMEOUT.max),
  SMS_REPLY: textWithDefault('Thanks for your message. We will get back to you soon.'),
  SMS_ANSWER_HELP: booleanFlag(false),
  SMS_HELP_REPLY: textWithDefault('Reply with any message and we will get back to you. Reply STOP to opt out.'),
  SMS_MEDIA_REPLY: textWithDefault('Thanks, we received your attachment.'),
  TWILIO_API_KEY: optionalText.refine((v) => v === undefined || API_KEY_SID.test(v), {
    message: 'must be an API key SID: "SK" followed by 32 lowercase hex characters',
  }),
  TWILIO_API_SECRET: optionalText.refine((v) => v === undefined || /^[A-Za-z0-9]{32}$/.test(v), {
    message: 'must be the 32-character secret shown when the API key was created',
  }),
  TWILIO_API_BASE_URL: publicBaseUrl,
  TWILIO_TIMEOUT_MS: integerInRange(10_000, 500, 120_000),
  TWILIO_MAX_RETRIES: integerInRange(3, 0, 10),
  OUTBOUND_ALLOWLIST: allowlist,
  SIP_ALLOWLIST: sipDomains,
  TWIML_URL_ALLOWLIST: urlHosts,
  CLIENT_ALLOWLIST: names,
  CONFERENCE_ALLOWLIST: names,
  QUEUE_ALLOWLIST: names,
  SIM_ALLOWLIST: names,
  APPLICATION_ALLOWLIST: names,
  DEFAULT_COUNTRY: z
    .string()
    .optional()
    .transform((v, ctx) => {
      const s = (v ?? '').trim().toUpperCase();
      if (s === '') return undefined;
      if (s !== 'US') {
        ctx.addIssue({ code: 'custom', message: `must be US or empty (only US numbers are normalised), got "${v}"` });
        return z.NEVER;
      }
      return s;
    }),
  API_TOKEN: optionalText.refine((v) => v === undefined || /^[\x21-\x7e]{32,256}$/.test(v), {
    message: 'must be at least 32 printable characters without spaces (e.g. the output of: openssl rand -hex 32)',
  }),
  API_RATE_LIMIT: integerInRange(30, 1, 100_000),
  BINS_DIR: textWithDefault('bins'),
  SMTP_URL: optionalText.refine((v) => v === undefined || /^smtps?:\/\/[^\s/]+(:\d+)?\/?(\?\S*)?$/i.test(v), {
    message: 'must be an smtp:// or smtps:// URL such as smtps://user:password@smtp.example.com:465',
  }),
  // The operator's time zone for the times in notifications (an IANA name such as Europe/Paris). Unset: TZ's,
  // else UTC.
  TIME_ZONE: optionalText.refine((v) => v === undefined || isTimeZone(v), {
    message: 'must be an IANA time zone such as America/New_York or Europe/Paris',
  }),
  VOICEMAIL_FROM_EMAIL: optionalText.refine((v) => v === undefined || /^[^\s@<>]+@[^\s@<>]+$/.test(v), {
    message: 'must be an e-mail address such as voicemail@example.com',
  }),
  VOICEMAIL_NOTIFY_SMS: e164Optional,
  NOTIFY_EMAIL: emailList,
  NOTIFY_SMS: e164Optional,
  HOLDMUSIC_S3_ENDPOINT: publicBaseUrl,
  DATABASE_URL: databaseUrl,
  REDIS_URL: optionalText.refine((v) => v === undefined || /^rediss?:\/\/\S+$/i.test(v), {
    message: 'must be a redis:// or rediss:// URL such as redis://127.0.0.1:6379',
  }),
  RETENTION_DAYS: integerInRange(90, 0, 36_500),
  STATE_DIRECTORY: optionalText,
  INBOX_USERS: inboxUsers,
  INBOX_SESSION_SECRET: optionalText.refine((v) => v === undefined || /^[\x21-\x7e]{32,256}$/.test(v), {
    message: 'must be at least 32 printable characters without spaces (e.g. the output of: openssl rand -hex 32)',
  }),
});

/** Every environment variable the server reads (for docs checks and tooling). */
export const CONFIG_VARIABLES = Object.keys(variables.shape);

const schema = variables.superRefine((env, ctx) => {
  if ((env.TWILIO_API_KEY === undefined) !== (env.TWILIO_API_SECRET === undefined)) {
    ctx.addIssue({
      code: 'custom',
      path: [env.TWILIO_API_KEY === undefined ? 'TWILIO_API_KEY' : 'TWILIO_API_SECRET'],
      message: 'must be set together with its pair (TWILIO_API_KEY and TWILIO_API_SECRET)',
    });
  }
  // Numbers the operator configured are dialled or texted like any other: they must pass the allow-list.
  const numbers = createAllowlist(env.OUTBOUND_ALLOWLIST);
  for (const variable of ['FORWARD_TO', 'VOICEMAIL_NOTIFY_SMS', 'NOTIFY_SMS'] as const) {
    const value = env[variable];
    const refusal = value === undefined || !E164.test(value) ? undefined : numbers.refusal(value);
    if (refusal) {
      ctx.addIssue({
        code: 'custom',
        path: [variable],
        message: `is ${value}, which is not allowed (${refusal}): add it to OUTBOUND_ALLOWLIST or unset ${variable}`,
      });
    }
  }
  if (env.NODE_ENV === 'production' && env.TWILIO_VALIDATE_SIGNATURE && !env.TWILIO_AUTH_TOKEN) {
    ctx.addIssue({
      code: 'custom',
      path: ['TWILIO_AUTH_TOKEN'],
      message:
        'is required in production while TWILIO_VALIDATE_SIGNATURE is true (without it no request could be verified)',
    });
  }
});

type Env = z.output<typeof schema>;

export interface Config {
  readonly env: Env['NODE_ENV'];
  readonly port: number;
  /** The address to listen on; undefined: every interface. */
  readonly host?: string;
  /**
   * The origin Twilio calls, as configured: with user:password@ when webhooks use HTTP authentication (then
   * every URL we hand Twilio carries them, as Twilio needs). Never log it: use maskCredentials.
   */
  readonly publicBaseUrl?: string;
  /** The user name and password webhook requests must present (from PUBLIC_BASE_URL), if any. */
  readonly webhookAuth?: { readonly username: string; readonly password: string };
  readonly trustProxy: false | number | string;
  readonly logLevel: Env['LOG_LEVEL'];
  readonly bodyLimitBytes: number;
  readonly shutdownTimeoutMs: number;
  /** REQUEST_TIMEOUT_MS: a request (headers and body) taking longer is answered 408 and its connection closed. */
  readonly requestTimeoutMs: number;
  readonly twilio: {
    readonly accountSid?: string;
    readonly authToken?: string;
    readonly phoneNumber?: string;
  };
  /** Twilio's REST API: credentials, origin (overridable for staging, mocks and tests), timeouts. */
  readonly twilioApi: {
    readonly baseUrl: string;
    /** API key credentials, preferred over the auth token for REST calls when set. */
    readonly apiKey?: { readonly sid: string; readonly secret: string };
    readonly timeoutMs: number;
    readonly maxRetries: number;
  };
  readonly outbound: {
    /** Numbers and prefixes outbound calls, SMS and request-supplied dialling may reach; undefined: none. */
    readonly allowlist?: readonly string[];
    readonly defaultCountry?: 'US';
  };
  /** What TwiML this server sends may reach besides OUTBOUND_ALLOWLIST numbers (undefined: nothing). */
  readonly egress: {
    readonly sipDomains?: readonly string[];
    readonly urlHosts?: readonly string[];
    readonly clients?: readonly string[];
    readonly conferences?: readonly string[];
    readonly queues?: readonly string[];
    readonly sims?: readonly string[];
    readonly applications?: readonly string[];
  };
  readonly api: {
    /** Bearer token of the HTTP API; undefined: the API answers 503. */
    readonly token?: string;
    /** Requests per minute per token. */
    readonly rateLimitPerMinute: number;
  };
  /** Where the operator hears of new voicemails and texts (the SMTP URL holds credentials: never logged). */
  readonly notify: {
    readonly smtpUrl?: string;
    readonly fromEmail: string;
    /** NOTIFY_EMAIL: the operator's addresses (the voicemail twimlet adds its own Email list). */
    readonly emails: readonly string[];
    /** NOTIFY_SMS (or its older name VOICEMAIL_NOTIFY_SMS): the operator's mobile, allow-listed. */
    readonly sms?: string;
    /** TIME_ZONE (else TZ, else UTC): the times notifications give. */
    readonly timeZone: string;
  };
  /** The store: where calls, voicemails and texts are kept. */
  readonly database: {
    /** sqlite:<file>, sqlite::memory: or a postgres:// URL (holds credentials: never logged). */
    readonly url: string;
    /** Rows older than this many days are purged; 0 keeps everything. */
    readonly retentionDays: number;
    /** Where events wait when the database fails; undefined: in memory (sqlite::memory:). */
    readonly spoolFile?: string;
  };
  /** Shared rate-limit counters for several instances; undefined: each instance counts alone. */
  readonly redisUrl?: string;
  /** The operator's web inbox: who may sign in (name → scrypt hash) and the key its session cookies are signed with. */
  readonly inbox: {
    readonly users: ReadonlyMap<string, string>;
    /** undefined: a random key per process (sessions end at restart; several instances need one shared key). */
    readonly sessionSecret?: string;
  };
  /** S3-compatible endpoint the holdmusic twimlet lists buckets at (path style). */
  readonly holdMusicEndpoint: string;
  /** Folder of TwiML Bin templates, relative to the working directory unless absolute. */
  readonly binsDir: string;
  /** True only when a token is present and checking was not switched off. */
  readonly validateSignatures: boolean;
  readonly say: { readonly voice?: string; readonly language?: string };
  readonly voice: {
    readonly greeting: string;
    readonly menuPrompt: string;
    readonly forwardTo?: string;
    readonly forwardTimeout: number;
  };
  readonly voicemail: {
    readonly prompt: string;
    readonly thanks: string;
    readonly maxLength: number;
    readonly transcribe: boolean;
  };
  readonly sms: {
    readonly reply: string;
    /** Set only with SMS_ANSWER_HELP (short codes: Twilio does not answer HELP there). */
    readonly helpReply?: string;
    readonly mediaReply: string;
  };
  /** Start-up warnings for the entry point to log (the config module itself never logs). */
  readonly warnings: readonly string[];
}

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** A Map whose contents cannot change after construction (Object.freeze leaves a Map's entries writable). */
class ReadonlyMapOf<K, V> extends Map<K, V> {
  private sealed = false;
  constructor(entries: Iterable<readonly [K, V]>) {
    super(entries);
    this.sealed = true;
  }
  override set(key: K, value: V): this {
    if (this.sealed) throw new TypeError('the configuration cannot be changed while the server runs');
    return super.set(key, value);
  }
  override delete(): boolean {
    throw new TypeError('the configuration cannot be changed while the server runs');
  }
  override clear(): void {
    throw new TypeError('the configuration cannot be changed while the server runs');
  }
}

/** The config, frozen all the way down: objects and arrays frozen, Maps replaced by ones that refuse changes. */
function deepFreeze<T>(value: T): T {
  if (value instanceof Map)
    return Object.freeze(new ReadonlyMapOf([...value].map(([k, v]) => [k, deepFreeze(v)]))) as T;
  if (value && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    for (const key of Object.keys(record)) record[key] = deepFreeze(record[key]);
    Object.freeze(value);
  }
  return value;
}

/** The credentials in PUBLIC_BASE_URL, decoded as a client sends them in Authorization: Basic. */
function webhookAuthOf(base: string | undefined): { webhookAuth?: { username: string; password: string } } {
  if (!base) return {};
  const url = new URL(base);
  if (!url.username) return {};
  return { webhookAuth: { username: decodeURIComponent(url.username), password: decodeURIComponent(url.password) } };
}

/** The SQLite file used when DATABASE_URL is unset (outside tests), in the state directory. */
export const DEFAULT_DATABASE_FILE = 'twiml-server.db';

/**
 * The database and its spool: the SQLite file (default: in STATE_DIRECTORY, which systemd's StateDirectory=
 * sets, else data/ in the working directory) with its spool beside it; for PostgreSQL, the spool in the state
 * directory (each instance its own); for sqlite::memory:, no file at all.
 */
function databaseOf(url: string | undefined, env: string, stateDirectory: string | undefined, retentionDays: number) {
  const dir = stateDirectory?.split(':')[0] || 'data';
  const chosen = url ?? (env === 'test' ? 'sqlite::memory:' : `sqlite:${dir}/${DEFAULT_DATABASE_FILE}`);
  if (!chosen.startsWith('sqlite:')) return { url: chosen, retentionDays, spoolFile: `${dir}/twiml-server.spool` };
  const file = chosen.slice('sqlite:'.length);
  return { url: chosen, retentionDays, ...(file === ':memory:' ? {} : { spoolFile: `${file}.spool` }) };
}

/** Twilio's <Record transcribe> works on recordings of 2 to 120 seconds. */
const TRANSCRIBABLE_SECONDS = 120;

/** Validates `env` (normally process.env after dotenv) and returns the frozen Config, or throws ConfigError. */
export function loadConfig(env: Record<string, string | undefined>): Config {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    // Never echo a secret's value back: messages only describe what is wrong.
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.') || 'environment'} ${i.message}`));
  }
  const e = parsed.data;
  const validateSignatures = e.TWILIO_VALIDATE_SIGNATURE && e.TWILIO_AUTH_TOKEN !== undefined;
  const warnings: string[] = [];
  if (!validateSignatures) {
    warnings.push(
      e.TWILIO_VALIDATE_SIGNATURE
        ? 'TWILIO_AUTH_TOKEN is not set: X-Twilio-Signature checks are DISABLED and anyone can call the webhooks. Set it before exposing this server.'
        : 'TWILIO_VALIDATE_SIGNATURE=false: X-Twilio-Signature checks are DISABLED and anyone can call the webhooks.',
    );
  }
  if (!e.PUBLIC_BASE_URL) {
    warnings.push(
      'PUBLIC_BASE_URL is not set: signed URLs and callback URLs are rebuilt from each request. Set it to the exact origin Twilio calls.',
    );
  }
  if (e.VOICEMAIL_TRANSCRIBE && e.VOICEMAIL_MAX_LENGTH > TRANSCRIBABLE_SECONDS) {
    warnings.push(
      `VOICEMAIL_TRANSCRIBE is on and VOICEMAIL_MAX_LENGTH is ${e.VOICEMAIL_MAX_LENGTH}: Twilio transcribes recordings of 2 to ${TRANSCRIBABLE_SECONDS} seconds only, so longer voicemails get no transcript.`,
    );
  }
  if (e.VOICEMAIL_TRANSCRIBE && e.SAY_LANGUAGE && e.SAY_LANGUAGE.toLowerCase() !== 'en-us') {
    warnings.push(
      `VOICEMAIL_TRANSCRIBE is on and SAY_LANGUAGE is ${e.SAY_LANGUAGE}: Twilio's <Record> transcription is English (en-US) only.`,
    );
  }
  if (e.INBOX_USERS.size === 0) {
    warnings.push('INBOX_USERS is not set: the web inbox (/inbox) is off. Create a user with npm run hash-password.');
  } else if (!e.INBOX_SESSION_SECRET) {
    warnings.push(
      'INBOX_SESSION_SECRET is not set: inbox sessions are signed with a random key and end when the server restarts (several instances need one shared key).',
    );
  }
  if (e.VOICEMAIL_NOTIFY_SMS && !e.NOTIFY_SMS) {
    warnings.push('VOICEMAIL_NOTIFY_SMS is the old name of NOTIFY_SMS (it now covers texts as well): rename it.');
  }
  if (e.TWILIO_API_BASE_URL && !/^https:\/\/api\.twilio\.com$/.test(e.TWILIO_API_BASE_URL)) {
    warnings.push(`TWILIO_API_BASE_URL is ${e.TWILIO_API_BASE_URL}: REST calls do not go to Twilio.`);
  }
  return deepFreeze({
    env: e.NODE_ENV,
    port: e.PORT,
    host: e.HOST,
    publicBaseUrl: e.PUBLIC_BASE_URL,
    ...webhookAuthOf(e.PUBLIC_BASE_URL),
    trustProxy: e.TRUST_PROXY,
    logLevel: e.LOG_LEVEL,
    bodyLimitBytes: e.BODY_LIMIT_BYTES,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    requestTimeoutMs: e.REQUEST_TIMEOUT_MS,
    twilio: {
      accountSid: e.TWILIO_ACCOUNT_SID,
      authToken: e.TWILIO_AUTH_TOKEN,
      phoneNumber: e.TWILIO_PHONE_NUMBER,
    },
    validateSignatures,
    say: { voice: e.SAY_VOICE, language: e.SAY_LANGUAGE },
    voice: {
      greeting: e.VOICE_GREETING,
      menuPrompt: e.VOICE_MENU_PROMPT ?? menuPromptFor(e.FORWARD_TO !== undefined),
      forwardTo: e.FORWARD_TO,
      forwardTimeout: e.FORWARD_TIMEOUT,
    },
    voicemail: {
      prompt: e.VOICEMAIL_PROMPT,
      thanks: e.VOICEMAIL_THANKS,
      maxLength: e.VOICEMAIL_MAX_LENGTH,
      transcribe: e.VOICEMAIL_TRANSCRIBE,
    },
    sms: {
      reply: e.SMS_REPLY,
      ...(e.SMS_ANSWER_HELP ? { helpReply: e.SMS_HELP_REPLY } : {}),
      mediaReply: e.SMS_MEDIA_REPLY,
    },
    twilioApi: {
      baseUrl: e.TWILIO_API_BASE_URL ?? 'https://api.twilio.com',
      apiKey:
        e.TWILIO_API_KEY && e.TWILIO_API_SECRET ? { sid: e.TWILIO_API_KEY, secret: e.TWILIO_API_SECRET } : undefined,
      timeoutMs: e.TWILIO_TIMEOUT_MS,
      maxRetries: e.TWILIO_MAX_RETRIES,
    },
    outbound: { allowlist: e.OUTBOUND_ALLOWLIST, defaultCountry: e.DEFAULT_COUNTRY as 'US' | undefined },
    egress: {
      sipDomains: e.SIP_ALLOWLIST,
      urlHosts: e.TWIML_URL_ALLOWLIST,
      clients: e.CLIENT_ALLOWLIST,
      conferences: e.CONFERENCE_ALLOWLIST,
      queues: e.QUEUE_ALLOWLIST,
      sims: e.SIM_ALLOWLIST,
      applications: e.APPLICATION_ALLOWLIST,
    },
    api: { token: e.API_TOKEN, rateLimitPerMinute: e.API_RATE_LIMIT },
    binsDir: e.BINS_DIR,
    holdMusicEndpoint: e.HOLDMUSIC_S3_ENDPOINT ?? 'https://s3.amazonaws.com',
    notify: {
      smtpUrl: e.SMTP_URL,
      fromEmail: e.VOICEMAIL_FROM_EMAIL ?? 'voicemail@twiml-server.invalid',
      emails: e.NOTIFY_EMAIL,
      sms: e.NOTIFY_SMS ?? e.VOICEMAIL_NOTIFY_SMS,
      timeZone: e.TIME_ZONE ?? (env.TZ && isTimeZone(env.TZ) ? env.TZ : 'UTC'),
    },
    database: databaseOf(e.DATABASE_URL, e.NODE_ENV, e.STATE_DIRECTORY, e.RETENTION_DAYS),
    redisUrl: e.REDIS_URL,
    inbox: { users: e.INBOX_USERS, sessionSecret: e.INBOX_SESSION_SECRET },
    warnings,
  });
}
