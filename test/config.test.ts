// Config: read once, validated with errors that name the variable, frozen, with the start-up rules for tokens.
import { ConfigError, loadConfig } from '../src/config';
import { TEST_AUTH_TOKEN, testEnv } from './support/config';

function problemsOf(env: Record<string, string | undefined>): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return [...(err as ConfigError).problems];
  }
  throw new Error('expected loadConfig to throw');
}

describe('when the environment is empty', () => {
  const config = loadConfig({});

  it('then development defaults apply', () => {
    expect(config).toMatchObject({
      env: 'development',
      port: 3000,
      trustProxy: false,
      logLevel: 'info',
      bodyLimitBytes: 65536,
      validateSignatures: false,
      voice: { forwardTimeout: 20, greeting: 'Thanks for calling.' },
      voicemail: { maxLength: 120, transcribe: false },
    });
    expect(config.publicBaseUrl).toBeUndefined();
  });

  it('then a loud warning says signature checks are disabled', () => {
    expect(config.warnings.join('\n')).toMatch(/TWILIO_AUTH_TOKEN is not set: X-Twilio-Signature checks are DISABLED/);
  });

  it('then the config is frozen, nested objects included', () => {
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.voice)).toBe(true);
    // Maps too: Object.freeze alone leaves their entries writable.
    const withUsers = loadConfig(
      testEnv({
        INBOX_USERS: `alice:${'scrypt:32768:8:1:c2FsdHNhbHRzYWx0c2FsdA==:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA='}`,
      }),
    );
    expect(() => (withUsers.inbox.users as Map<string, string>).set('mallory', 'x')).toThrow(/cannot be changed/);
    expect(() => (withUsers.inbox.users as Map<string, string>).delete('alice')).toThrow(/cannot be changed/);
    expect([...withUsers.inbox.users.keys()]).toEqual(['alice']);
  });
});

describe('when a variable is invalid', () => {
  it.each([
    ['PORT', 'eighty', /^PORT must be a whole number from 0 to 65535/],
    ['PORT', '70000', /^PORT must be a whole number/],
    ['PUBLIC_BASE_URL', 'example.com', /^PUBLIC_BASE_URL must be an absolute http\(s\) URL/],
    ['PUBLIC_BASE_URL', 'https://example.com/?x=1', /^PUBLIC_BASE_URL must be an http\(s\) origin/],
    ['PUBLIC_BASE_URL', 'ftp://example.com', /^PUBLIC_BASE_URL must start with http:\/\/ or https:\/\//],
    ['TWILIO_ACCOUNT_SID', 'SK123', /^TWILIO_ACCOUNT_SID must be an Account SID/],
    ['TWILIO_PHONE_NUMBER', '555-1234', /^TWILIO_PHONE_NUMBER must be an E.164 phone number/],
    ['FORWARD_TO', '0044 20 7946 0000', /^FORWARD_TO must be an E.164 phone number/],
    ['TWILIO_VALIDATE_SIGNATURE', 'maybe', /^TWILIO_VALIDATE_SIGNATURE must be true or false/],
    ['TRUST_PROXY', 'true', /^TRUST_PROXY must not be "true"/],
    ['LOG_LEVEL', 'verbose', /^LOG_LEVEL /],
    ['NODE_ENV', 'staging', /^NODE_ENV /],
    ['SAY_VOICE', 'Polly Joanna', /^SAY_VOICE must be a Twilio voice name/],
    ['SAY_LANGUAGE', 'english', /^SAY_LANGUAGE must be a language tag/],
    ['FORWARD_TIMEOUT', '2', /^FORWARD_TIMEOUT must be a whole number from 5 to 600/],
    ['VOICEMAIL_MAX_LENGTH', '0', /^VOICEMAIL_MAX_LENGTH must be a whole number/],
    ['OUTBOUND_ALLOWLIST', '*', /^OUTBOUND_ALLOWLIST must list E.164 numbers or prefixes.*not valid: \*/],
    ['OUTBOUND_ALLOWLIST', '+1555*, 555-1234', /not valid: 555-1234$/],
    ['OUTBOUND_ALLOWLIST', '+12', /not valid: \+12$/],
    ['DEFAULT_COUNTRY', 'GB', /^DEFAULT_COUNTRY must be US or empty/],
    ['SIP_ALLOWLIST', 'pbx.example.com, bad host', /^SIP_ALLOWLIST must list host names.*not valid: bad host$/],
    ['SIP_ALLOWLIST', 'sip:pbx.example.com', /not valid: sip:pbx\.example\.com$/],
    ['TWIML_URL_ALLOWLIST', 'https://x.example.com', /^TWIML_URL_ALLOWLIST must list host names.*not valid: https/],
    ['TWIML_URL_ALLOWLIST', 'x.example.com:99999', /not valid: x\.example\.com:99999$/],
    ['CLIENT_ALLOWLIST', 'a*b', /^CLIENT_ALLOWLIST must list names, prefixes.*not valid: a\*b$/],
    ['CONFERENCE_ALLOWLIST', 'with space', /^CONFERENCE_ALLOWLIST must list names/],
    ['API_TOKEN', 'short', /^API_TOKEN must be at least 32 printable characters/],
    ['API_RATE_LIMIT', '0', /^API_RATE_LIMIT must be a whole number/],
    [
      'TWILIO_API_BASE_URL',
      'localhost:4010',
      /^TWILIO_API_BASE_URL must start with http:\/\/ or https:\/\/, got "localhost:4010"/,
    ],
    ['TWILIO_TIMEOUT_MS', '100', /^TWILIO_TIMEOUT_MS must be a whole number from 500/],
    ['HOST', 'localhost', /^HOST must be an IP address to listen on/],
    [
      'TWILIO_API_BASE_URL',
      'https://user:pw@api.example.com',
      /^TWILIO_API_BASE_URL must be an http\(s\) origin.*without query, fragment or credentials/,
    ],
    [
      'PUBLIC_BASE_URL',
      'https://user:@voice.example.com',
      /^PUBLIC_BASE_URL must carry both a user name and a password/,
    ],
  ])('then %s=%p is reported by name', (name, value, message) => {
    const problems = problemsOf({ [name]: value });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(message);
  });

  it('then every invalid variable is reported at once', () => {
    expect(
      problemsOf({ PORT: 'x', FORWARD_TO: 'y', LOG_LEVEL: 'z' })
        .map((p) => p.split(' ')[0])
        .sort(),
    ).toEqual(['FORWARD_TO', 'LOG_LEVEL', 'PORT']);
  });

  it('then a malformed auth token is reported without echoing its value', () => {
    const almostAToken = `${TEST_AUTH_TOKEN}zz`;
    const problems = problemsOf({ TWILIO_AUTH_TOKEN: almostAToken });
    expect(problems[0]).toMatch(/^TWILIO_AUTH_TOKEN must be the 32-character hex auth token/);
    expect(problems.join(' ')).not.toContain(almostAToken);
  });
});

describe('when running in production', () => {
  it('then a missing auth token with signature checks on refuses to start', () => {
    const problems = problemsOf({ NODE_ENV: 'production' });
    expect(problems).toEqual([expect.stringMatching(/^TWILIO_AUTH_TOKEN is required in production/)]);
  });

  it('then with a token, checks are on and no signature warning is given', () => {
    const config = loadConfig(testEnv({ NODE_ENV: 'production' }));
    expect(config.validateSignatures).toBe(true);
    // The one line left says the inbox is off (no INBOX_USERS), not that anything is unchecked.
    expect(config.warnings).toEqual([expect.stringMatching(/^INBOX_USERS is not set: the web inbox/)]);
  });

  it('then checks switched off explicitly start, with a warning', () => {
    const config = loadConfig({ NODE_ENV: 'production', TWILIO_VALIDATE_SIGNATURE: 'false' });
    expect(config.validateSignatures).toBe(false);
    expect(config.warnings.join()).toMatch(/TWILIO_VALIDATE_SIGNATURE=false/);
  });
});

describe('when voicemails are to be transcribed', () => {
  it('then a limit above 120 s or a language other than en-US is warned about at start (Twilio transcribes neither)', () => {
    const warnings = (env: Record<string, string>) => loadConfig({ VOICEMAIL_TRANSCRIBE: 'true', ...env }).warnings;
    expect(warnings({ VOICEMAIL_MAX_LENGTH: '120', SAY_LANGUAGE: 'en-US' }).join('\n')).not.toMatch(/transcri/i);
    expect(warnings({ VOICEMAIL_MAX_LENGTH: '300' })).toContainEqual(
      expect.stringMatching(/VOICEMAIL_MAX_LENGTH is 300: Twilio transcribes recordings of 2 to 120 seconds only/),
    );
    expect(warnings({ VOICEMAIL_MAX_LENGTH: '60', SAY_LANGUAGE: 'es-MX' })).toContainEqual(
      expect.stringMatching(/SAY_LANGUAGE is es-MX: .*English \(en-US\) only/),
    );
    expect(loadConfig({ VOICEMAIL_MAX_LENGTH: '300' }).warnings.join('\n')).not.toMatch(/transcri/i);
  });
});

describe('when the server is to listen on one address', () => {
  it.each(['127.0.0.1', '::1', '::'])('then HOST=%s is taken as given', (host) => {
    expect(loadConfig({ HOST: host }).host).toBe(host);
  });

  it('then without HOST every interface is used', () => {
    expect(loadConfig({}).host).toBeUndefined();
  });
});

describe('when PUBLIC_BASE_URL carries credentials', () => {
  it("then they become the webhooks' HTTP authentication, decoded, and the URL keeps them for Twilio", () => {
    const config = loadConfig({ PUBLIC_BASE_URL: 'https://twilio:p%40ss%3Aword@voice.example.com/' });
    expect(config.publicBaseUrl).toBe('https://twilio:p%40ss%3Aword@voice.example.com');
    expect(config.webhookAuth).toEqual({ username: 'twilio', password: 'p@ss:word' });
    expect(loadConfig({ PUBLIC_BASE_URL: 'https://voice.example.com' }).webhookAuth).toBeUndefined();
  });
});

describe('when values need normalising', () => {
  it('then PUBLIC_BASE_URL loses its trailing slash and TRUST_PROXY keeps counts and addresses', () => {
    expect(loadConfig({ PUBLIC_BASE_URL: 'https://example.com/' }).publicBaseUrl).toBe('https://example.com');
    expect(loadConfig({ TRUST_PROXY: '2' }).trustProxy).toBe(2);
    expect(loadConfig({ TRUST_PROXY: 'loopback, 10.0.0.0/8' }).trustProxy).toBe('loopback, 10.0.0.0/8');
    expect(loadConfig({ TRUST_PROXY: 'false' }).trustProxy).toBe(false);
  });

  it('then blank values fall back to defaults', () => {
    expect(loadConfig({ PORT: '', VOICE_GREETING: '   ', FORWARD_TO: '' })).toMatchObject({
      port: 3000,
      voice: { greeting: 'Thanks for calling.', forwardTo: undefined },
    });
  });
});

describe('when outbound settings are given', () => {
  it('then the allow-list, country, API token and Twilio API settings are parsed', () => {
    const config = loadConfig({
      OUTBOUND_ALLOWLIST: ' +1555* , +442079460000 ',
      DEFAULT_COUNTRY: 'us',
      API_TOKEN: 'x'.repeat(40),
      TWILIO_API_BASE_URL: 'http://127.0.0.1:4010/',
      TWILIO_MAX_RETRIES: '0',
    });
    expect(config.outbound).toEqual({ allowlist: ['+1555*', '+442079460000'], defaultCountry: 'US' });
    expect(config.api).toEqual({ token: 'x'.repeat(40), rateLimitPerMinute: 30 });
    expect(config.twilioApi).toMatchObject({ baseUrl: 'http://127.0.0.1:4010', maxRetries: 0, timeoutMs: 10000 });
    expect(config.warnings.join()).toMatch(
      /TWILIO_API_BASE_URL is http:\/\/127.0.0.1:4010: REST calls do not go to Twilio/,
    );
  });

  it('then an API key without its secret (or the reverse) is refused', () => {
    expect(problemsOf({ TWILIO_API_KEY: `SK${'a'.repeat(32)}` })).toEqual([
      expect.stringMatching(/^TWILIO_API_SECRET must be set together with its pair/),
    ]);
    expect(problemsOf({ TWILIO_API_SECRET: 'A'.repeat(32) })).toEqual([
      expect.stringMatching(/^TWILIO_API_KEY must be set together with its pair/),
    ]);
  });

  it('then the defaults send REST calls to Twilio with retries and no allow-list', () => {
    const config = loadConfig({});
    expect(config.twilioApi).toEqual({
      baseUrl: 'https://api.twilio.com',
      apiKey: undefined,
      timeoutMs: 10000,
      maxRetries: 3,
    });
    expect(config.outbound.allowlist).toBeUndefined();
    expect(config.api.token).toBeUndefined();
  });
});

describe('when the egress allow-lists are given', () => {
  it('then they are trimmed and normalised into config.egress; unset ones are undefined (nothing allowed)', () => {
    const config = loadConfig({
      SIP_ALLOWLIST: ' PBX.example.com. , *.sip.example.net ',
      TWIML_URL_ALLOWLIST: 'Twiml.Example.org,media.example.org:8443',
      CLIENT_ALLOWLIST: 'agent-*,boss',
      CONFERENCE_ALLOWLIST: '*',
    });
    expect(config.egress).toEqual({
      sipDomains: ['pbx.example.com', '*.sip.example.net'],
      urlHosts: ['twiml.example.org', 'media.example.org:8443'],
      clients: ['agent-*', 'boss'],
      conferences: ['*'],
      queues: undefined,
      sims: undefined,
      applications: undefined,
    });
  });

  it.each(['FORWARD_TO', 'VOICEMAIL_NOTIFY_SMS'])(
    'then %s outside OUTBOUND_ALLOWLIST stops the start, naming the variable',
    (variable) => {
      expect(problemsOf({ [variable]: '+447700900123', OUTBOUND_ALLOWLIST: '+1555*' })).toEqual([
        `${variable} is +447700900123, which is not allowed (not in OUTBOUND_ALLOWLIST): add it to OUTBOUND_ALLOWLIST or unset ${variable}`,
      ]);
      expect(problemsOf({ [variable]: '+15551234567' })).toEqual([
        `${variable} is +15551234567, which is not allowed (no OUTBOUND_ALLOWLIST): add it to OUTBOUND_ALLOWLIST or unset ${variable}`,
      ]);
      expect(() => loadConfig({ [variable]: '+15551234567', OUTBOUND_ALLOWLIST: '+1555*' })).not.toThrow();
    },
  );
});

describe('when the store and the operator’s notifications are configured', () => {
  it('then the defaults are the SQLite file (memory under NODE_ENV=test), 90 days, no Redis, nobody notified', () => {
    expect(loadConfig({})).toMatchObject({
      database: { url: 'sqlite:data/twiml-server.db', retentionDays: 90, spoolFile: 'data/twiml-server.db.spool' },
      notify: { emails: [] },
    });
    expect(loadConfig({ NODE_ENV: 'test' }).database.url).toBe('sqlite::memory:');
    expect(loadConfig({}).redisUrl).toBeUndefined();
  });

  it('then PostgreSQL, Redis, retention and the notification addresses are taken as given', () => {
    const config = loadConfig({
      DATABASE_URL: 'postgres://app:secret@db.internal:5432/twiml',
      REDIS_URL: 'redis://cache:6379',
      RETENTION_DAYS: '0',
      NOTIFY_EMAIL: 'a@example.com, b@example.com,a@example.com',
      NOTIFY_SMS: '+15559990000',
      OUTBOUND_ALLOWLIST: '+1555*',
    });
    expect(config.database).toEqual({
      url: 'postgres://app:secret@db.internal:5432/twiml',
      retentionDays: 0,
      spoolFile: 'data/twiml-server.spool',
    });
    // Under systemd's StateDirectory= both the default file and the spool live there.
    expect(loadConfig({ STATE_DIRECTORY: '/var/lib/twiml-server' }).database).toEqual({
      url: 'sqlite:/var/lib/twiml-server/twiml-server.db',
      retentionDays: 90,
      spoolFile: '/var/lib/twiml-server/twiml-server.db.spool',
    });
    expect(loadConfig({ NODE_ENV: 'test' }).database.spoolFile).toBeUndefined();
    expect(config.redisUrl).toBe('redis://cache:6379');
    expect(config.notify).toMatchObject({ emails: ['a@example.com', 'b@example.com'], sms: '+15559990000' });
  });

  it('then bad values are named without echoing a database password, and NOTIFY_SMS must pass the allow-list', () => {
    const problems = problemsOf({
      DATABASE_URL: 'mysql://root:hunter2@db/x',
      REDIS_URL: 'localhost:6379',
      RETENTION_DAYS: '-1',
      NOTIFY_EMAIL: 'owner@example.com,nope',
    });
    expect(problems.map((p) => p.split(' ')[0]).sort()).toEqual(
      ['DATABASE_URL', 'NOTIFY_EMAIL', 'REDIS_URL', 'RETENTION_DAYS'].sort(),
    );
    expect(problems.join('\n')).not.toContain('hunter2');
    expect(problemsOf({ NOTIFY_SMS: '+15559990000' })).toEqual([
      expect.stringMatching(/^NOTIFY_SMS is \+15559990000, which is not allowed .*OUTBOUND_ALLOWLIST/),
    ]);
  });

  it('then inbox users need hashes from hash-password (a plain password is refused, never echoed), and a session key', () => {
    const hash = 'scrypt:32768:8:1:c2FsdHNhbHRzYWx0c2FsdA==:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';
    const config = loadConfig({ INBOX_USERS: `alice:${hash}, bob:${hash}`, INBOX_SESSION_SECRET: 'k'.repeat(32) });
    expect([...config.inbox.users.keys()]).toEqual(['alice', 'bob']);
    expect(config.warnings.join('\n')).not.toMatch(/INBOX/);
    const problems = problemsOf({ INBOX_USERS: 'alice:hunter2hunter2', INBOX_SESSION_SECRET: 'short' });
    expect(problems).toEqual([
      expect.stringMatching(/^INBOX_USERS must be name:hash pairs .*npm run hash-password \(entry 1 is not\)$/),
      expect.stringMatching(/^INBOX_SESSION_SECRET must be at least 32 printable characters/),
    ]);
    expect(problems.join('\n')).not.toContain('hunter2');
    expect(loadConfig({ INBOX_USERS: `alice:${hash}` }).warnings.join('\n')).toMatch(/INBOX_SESSION_SECRET is not set/);
  });

  it('then the old name VOICEMAIL_NOTIFY_SMS still works, with a warning to rename it', () => {
    const config = loadConfig({ VOICEMAIL_NOTIFY_SMS: '+15559990000', OUTBOUND_ALLOWLIST: '+1555*' });
    expect(config.notify.sms).toBe('+15559990000');
    expect(config.warnings.join('\n')).toMatch(/VOICEMAIL_NOTIFY_SMS is the old name of NOTIFY_SMS/);
  });
});

describe('when a variable takes one of a few words', () => {
  it('then a wrong one is named with its value and the choices, like every other config error', () => {
    expect(problemsOf({ NODE_ENV: 'prod', LOG_LEVEL: 'verbose' })).toEqual([
      'NODE_ENV must be one of development, production or test, got "prod"',
      'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace or silent, got "verbose"',
    ]);
  });

  it('then case and surrounding spaces do not matter, and blank means the default', () => {
    expect(loadConfig({ NODE_ENV: ' Test ', LOG_LEVEL: 'DEBUG' })).toMatchObject({ env: 'test', logLevel: 'debug' });
    expect(loadConfig({ NODE_ENV: '', LOG_LEVEL: '  ' })).toMatchObject({ env: 'development', logLevel: 'info' });
  });
});
