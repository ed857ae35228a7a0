// The inbox's sign-in decision alone (src/inbox/signIn.ts): the failed sign-in limit (what counts, how it is keyed,
// what it answers), the bounded password check, the form's credentials and the login-CSRF check.
import express, { type Request } from 'express';
import request from 'supertest';
import { hashPassword } from '../src/inbox/passwords';
import {
  SIGN_IN_FAILURES,
  SignInBusy,
  createPasswordCheck,
  credentialsOf,
  failedSignInLimit,
  isCrossSiteForm,
} from '../src/inbox/signIn';

/** An app whose sign-in answers the status the test names (in the form's `answer` field), behind the limit. */
function limited() {
  const app = express();
  app.use(express.urlencoded({ extended: false }));
  app.post(
    '/sign-in',
    failedSignInLimit(undefined, (res) => void res.status(429).send('limited')),
    (req, res) => void res.status(Number((req.body as { answer?: string }).answer ?? 401)).send('answered'),
  );
  const post = (form: Record<string, string>) => request(app).post('/sign-in').type('form').send(form);
  return { post };
}

describe('when sign-ins fail', () => {
  it(`then after ${SIGN_IN_FAILURES} failures for one name from one address the answer is the limit's, whatever is sent`, async () => {
    const { post } = limited();
    for (let i = 0; i < SIGN_IN_FAILURES; i++)
      expect((await post({ username: 'alice', answer: '401' })).status).toBe(401);
    const over = await post({ username: 'alice', answer: '303' });
    expect([over.status, over.text]).toEqual([429, 'limited']);
    // The standard headers (draft 8), not the legacy X-RateLimit ones.
    expect(over.headers['ratelimit-policy']).toMatch(/^"?\d+-in-\d+min"?;|q=10/);
    expect(Object.keys(over.headers).filter((h) => h.startsWith('x-ratelimit'))).toEqual([]);
  });

  it('then each name has a count of its own, and a name is keyed by its first 200 characters', async () => {
    const { post } = limited();
    for (let i = 0; i < SIGN_IN_FAILURES; i++) await post({ username: `${'a'.repeat(200)}x${i}`, answer: '400' });
    // 400 counts (anything from 400 up but 503); the long names all shared one key.
    expect((await post({ username: `${'a'.repeat(200)}y`, answer: '401' })).status).toBe(429);
    expect((await post({ username: 'bob', answer: '401' })).status).toBe(401);
  });

  it('then a success (below 400) and "busy, retry" (503) are no failures: neither counts toward the limit', async () => {
    const { post } = limited();
    for (let i = 0; i < 3 * SIGN_IN_FAILURES; i++) {
      expect((await post({ username: 'alice', answer: i % 2 ? '503' : '399' })).status).toBe(i % 2 ? 503 : 399);
    }
    for (let i = 0; i < SIGN_IN_FAILURES; i++)
      expect((await post({ username: 'alice', answer: '500' })).status).toBe(500);
    expect((await post({ username: 'alice', answer: '401' })).status).toBe(429);
  });
});

describe('when a password is checked', () => {
  let users: Map<string, string>;
  beforeAll(async () => {
    users = new Map([['alice', await hashPassword('right horse battery')]]);
  });

  it('then the right password names the user; a wrong one, or an unknown name, names nobody', async () => {
    const check = createPasswordCheck(users);
    expect(await check('alice', 'right horse battery')).toBe('alice');
    expect(await check('alice', 'wrong')).toBeUndefined();
    expect(await check('mallory', 'right horse battery')).toBeUndefined();
  });

  it('then at most 2 checks run and 16 wait: the 19th and 20th at once are told "busy" without a check, and later ones run', async () => {
    const check = createPasswordCheck(users);
    const results = await Promise.allSettled([...Array(20).keys()].map(() => check('alice', 'right horse battery')));
    const busy = results.filter((r) => r.status === 'rejected' && r.reason instanceof SignInBusy);
    expect(busy).toHaveLength(2);
    expect(results.filter((r) => r.status === 'fulfilled' && r.value === 'alice')).toHaveLength(18);
    expect(await check('alice', 'right horse battery')).toBe('alice');
  });
});

describe('when a sign-in form is read', () => {
  const form = (body: unknown, headers: Record<string, string> = {}) =>
    ({ body, get: (name: string) => headers[name.toLowerCase()] }) as unknown as Request;

  it('then its name and password are the strings it posted, and anything else is empty', () => {
    expect(credentialsOf(form({ username: 'alice', password: 'pw' }))).toEqual({ username: 'alice', password: 'pw' });
    expect(credentialsOf(form({ username: ['a'], password: 7 }))).toEqual({ username: '', password: '' });
    expect(credentialsOf(form(undefined))).toEqual({ username: '', password: '' });
  });

  it.each<[string, boolean, Record<string, string>, string | undefined]>([
    [
      'Fetch Metadata same-origin',
      false,
      { 'sec-fetch-site': 'same-origin', origin: 'https://evil.example' },
      undefined,
    ],
    ['Fetch Metadata cross-site', true, { 'sec-fetch-site': 'cross-site' }, undefined],
    ['Fetch Metadata same-site', true, { 'sec-fetch-site': 'same-site' }, undefined],
    ['Fetch Metadata none (typed in the address bar)', true, { 'sec-fetch-site': 'none' }, undefined],
    ['no Fetch Metadata, no Origin (curl)', false, {}, undefined],
    ['Origin null', false, { origin: 'null', host: 'inbox.example' }, undefined],
    ['Origin of this host', false, { origin: 'https://inbox.example', host: 'inbox.example' }, undefined],
    [
      'Origin of the public host behind a proxy',
      false,
      { origin: 'https://voice.example', host: '127.0.0.1:3000' },
      'voice.example',
    ],
    ['Origin of another host', true, { origin: 'https://evil.example', host: 'inbox.example' }, 'voice.example'],
    ['an Origin that is no URL', true, { origin: 'evil', host: 'inbox.example' }, undefined],
  ])('then %s is judged cross-site: %p', (_, crossSite, headers, publicHost) => {
    expect(isCrossSiteForm(form({}, headers), publicHost)).toBe(crossSite);
  });
});
