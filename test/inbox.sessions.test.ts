// The inbox's session cookies and CSRF tokens, alone (src/inbox/sessions.ts): what opens a session and what does
// not, down to each part of the cookie, and that nothing a browser sends makes the check throw.
import { createHmac } from 'node:crypto';
import type { Request } from 'express';
import { SESSION_COOKIE, SESSION_HOURS, createSessions } from '../src/inbox/sessions';

const SECRET = 'a'.repeat(64);
const HASHES = new Map([
  ['alice', 'scrypt:hash-of-alice'],
  ['bob', 'scrypt:hash-of-bob'],
]);
const NOW = Date.UTC(2026, 11, 4, 12, 0, 0);

/** A request as sessions.read sees it: only its Cookie header. */
const withCookie = (cookie: string | undefined) =>
  ({ get: (name: string) => (name === 'cookie' ? cookie : undefined) }) as unknown as Request;
const valueOf = (setCookie: string) => setCookie.split(';')[0]?.slice(`${SESSION_COOKIE}=`.length) ?? '';

describe('when inbox sessions are issued and read', () => {
  // Made in each test, not while the suite is collected, so each test is the one that uses it.
  let sessions: ReturnType<typeof createSessions>;
  beforeEach(() => {
    sessions = createSessions(SECRET, true, (user) => HASHES.get(user));
  });

  it('then the cookie it issues opens the session for its user until it expires, and not a millisecond after', () => {
    const { cookie, session } = sessions.issue('alice', NOW);
    expect(cookie).toMatch(
      new RegExp(
        `^${SESSION_COOKIE}=v1\\.[\\w-]+\\.\\d+\\.[\\w-]+\\.[\\w-]+; Path=/inbox; HttpOnly; SameSite=Lax; Secure; Max-Age=${SESSION_HOURS * 3600}$`,
      ),
    );
    const header = `${SESSION_COOKIE}=${valueOf(cookie)}`;
    expect(sessions.read(withCookie(header), NOW)).toEqual(session);
    expect(session).toMatchObject({ user: 'alice', expires: NOW + SESSION_HOURS * 3_600_000 });
    expect(sessions.read(withCookie(header), session.expires - 1)?.user).toBe('alice');
    expect(sessions.read(withCookie(header), session.expires)).toBeUndefined();
  });

  it('then without https the cookie is not marked Secure, and signing out clears it with the same attributes', () => {
    const plain = createSessions(SECRET, false, (user) => HASHES.get(user));
    expect(plain.issue('alice', NOW).cookie).not.toContain('Secure');
    expect(plain.cleared()).toBe(`${SESSION_COOKIE}=; Path=/inbox; HttpOnly; SameSite=Lax; Max-Age=0`);
    expect(sessions.cleared()).toBe(`${SESSION_COOKIE}=; Path=/inbox; HttpOnly; SameSite=Lax; Secure; Max-Age=0`);
  });

  it('then the session is found among other cookies, and of two with its name the first (the most specific) counts', () => {
    const alice = valueOf(sessions.issue('alice', NOW).cookie);
    const bob = valueOf(sessions.issue('bob', NOW).cookie);
    expect(sessions.read(withCookie(`theme=dark;  ${SESSION_COOKIE}=${alice} ; other=1`), NOW)?.user).toBe('alice');
    expect(sessions.read(withCookie(`${SESSION_COOKIE}=${bob}; ${SESSION_COOKIE}=${alice}`), NOW)?.user).toBe('bob');
    expect(sessions.read(withCookie(`x${SESSION_COOKIE}=${alice}`), NOW)).toBeUndefined();
  });

  it('then a cookie changed in any part, of another length, or of another shape opens nothing, and reading it never throws', () => {
    const value = valueOf(sessions.issue('alice', NOW).cookie);
    const [v, user, expires, nonce, signature] = value.split('.') as [string, string, string, string, string];
    const bobUser = Buffer.from('bob').toString('base64url');
    const forged = [
      undefined,
      '',
      'theme=dark',
      `${SESSION_COOKIE}=`,
      `${SESSION_COOKIE}=${[v, bobUser, expires, nonce, signature].join('.')}`,
      `${SESSION_COOKIE}=${[v, user, String(Number(expires) + 1), nonce, signature].join('.')}`,
      `${SESSION_COOKIE}=${[v, user, expires, `${nonce}x`, signature].join('.')}`,
      `${SESSION_COOKIE}=${[v, user, expires, nonce, signature.slice(1)].join('.')}`,
      `${SESSION_COOKIE}=${[v, user, expires, nonce, `${signature}A`].join('.')}`,
      `${SESSION_COOKIE}=${[v, user, expires, nonce, 'A'.repeat(signature.length)].join('.')}`,
      `${SESSION_COOKIE}=${['v2', user, expires, nonce, signature].join('.')}`,
      `${SESSION_COOKIE}=${[v, user, expires, nonce].join('.')}`,
      `${SESSION_COOKIE}=${[v, user, expires, nonce, signature, 'x'].join('.')}`,
    ];
    for (const cookie of forged) expect(sessions.read(withCookie(cookie), NOW)).toBeUndefined();
  });

  it('then a cookie signed with another secret, or validly signed for an expiry that is no safe whole number, opens nothing', () => {
    const other = createSessions('b'.repeat(64), true, (user) => HASHES.get(user));
    expect(
      sessions.read(withCookie(`${SESSION_COOKIE}=${valueOf(other.issue('alice', NOW).cookie)}`), NOW),
    ).toBeUndefined();
    // Signed as the server signs (the cookie format's own construction), so only the expiry decides.
    const signed = (expires: string) => {
      const body = `v1.${Buffer.from('alice').toString('base64url')}.${expires}.bm9uY2U`;
      const mac = createHmac('sha256', SECRET)
        .update(`session:${body}:${HASHES.get('alice')}`)
        .digest('base64url');
      return withCookie(`${SESSION_COOKIE}=${body}.${mac}`);
    };
    expect(sessions.read(signed(String(NOW + 1000)), NOW)?.user).toBe('alice');
    for (const expires of ['NaN', 'Infinity', '1.5e12', String(NOW + 0.5), '9007199254740993', '', String(NOW)]) {
      expect(sessions.read(signed(expires), NOW)).toBeUndefined();
    }
  });

  it('then a session ends with its user: removed, or with a new password, it opens nothing; issuing for nobody throws', () => {
    const hashes = new Map(HASHES);
    const live = createSessions(SECRET, true, (user) => hashes.get(user));
    const header = `${SESSION_COOKIE}=${valueOf(live.issue('alice', NOW).cookie)}`;
    expect(live.read(withCookie(header), NOW)?.user).toBe('alice');
    hashes.set('alice', 'scrypt:a-new-password');
    expect(live.read(withCookie(header), NOW)).toBeUndefined();
    hashes.delete('alice');
    expect(live.read(withCookie(header), NOW)).toBeUndefined();
    expect(() => live.issue('alice', NOW)).toThrow(/cannot sign in/);
  });

  it('then a session’s CSRF token is accepted for it alone; anything else, of any type or length, is refused without throwing', () => {
    const alice = sessions.issue('alice', NOW).session;
    const other = sessions.issue('alice', NOW).session;
    const token = sessions.csrfToken(alice);
    expect(token).toMatch(/^[\w-]{43}$/);
    expect(sessions.checkCsrf(alice, token)).toBe(true);
    for (const wrong of [
      sessions.csrfToken(other),
      token.slice(1),
      `${token}x`,
      '',
      undefined,
      42,
      [token],
      { token },
    ]) {
      expect(sessions.checkCsrf(alice, wrong)).toBe(false);
    }
  });
});
