// The inbox in a real browser: Playwright (playwright-core) driving Debian's Chromium against the app on a
// loopback port, with the simulator playing Twilio. Signs in, watches a voicemail arrive live with its
// transcript and plays it, watches a text arrive, answers it and sees its delivery status change live, sees a
// refusal, signs out. Screenshots of each tab go to test/artifacts/ (ignored by git). Without Chromium: SKIP.
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { backgroundOf } from '../src/app';
import { hashPassword } from '../src/inbox/passwords';
import { runInboundSms } from '../src/simulator/inboundSms';
import { TwilioApiServer } from '../src/simulator/restServer';
import { startAppServer, type RunningApp } from './support/appServer';
import { callFromCaller } from './support/calls';
import { TEST_ACCOUNT_SID, TEST_AUTH_TOKEN } from './support/config';

const CHROMIUM = '/usr/bin/chromium';
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--autoplay-policy=no-user-gesture-required',
];
const ARTIFACTS = path.join(__dirname, 'artifacts');
const PASSWORD = 'correct horse battery staple';
const CALLER = '+15551234567';
const OUR_NUMBER = '+15550006666';

const available = existsSync(CHROMIUM);
if (!available) console.warn(`SKIP: inbox browser tests: no Chromium at ${CHROMIUM} (apt-get install chromium)`); // eslint-disable-line no-console
const describeInBrowser = available ? describe : describe.skip;

jest.setTimeout(60_000);

describeInBrowser('when the operator uses the inbox in Chromium', () => {
  let browser: Browser;
  let twilioApi: TwilioApiServer;
  let server: RunningApp;
  let page: Page;
  /** The first simulated call: the call log must show how it ended. */
  let firstCall: { callSid: string; durationSeconds: number } | undefined;
  const weights: Record<string, number> = {};

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    twilioApi = await TwilioApiServer.start({ accountSid: TEST_ACCOUNT_SID, authToken: TEST_AUTH_TOKEN, execute: {} });
    server = await startAppServer({
      INBOX_USERS: `alice:${await hashPassword(PASSWORD)}`,
      INBOX_SESSION_SECRET: 'b'.repeat(40),
      OUTBOUND_ALLOWLIST: '+1555123*',
      VOICEMAIL_TRANSCRIBE: 'true',
      TWILIO_API_BASE_URL: twilioApi.url,
      TWILIO_PHONE_NUMBER: OUR_NUMBER,
    });
    await backgroundOf(server.app).start();
    browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
    page = await browser.newPage({ viewport: { width: 390, height: 844 } }); // a phone's screen
    page.on('response', async (res) => {
      const url = new URL(res.url());
      if (!url.pathname.startsWith('/inbox') || url.pathname.endsWith('/audio') || url.pathname === '/inbox/events')
        return;
      const bytes = (await res.body().catch(() => Buffer.alloc(0))).length;
      weights[url.pathname] = Math.max(weights[url.pathname] ?? 0, bytes);
    });
  });
  afterAll(async () => {
    // eslint-disable-next-line no-console
    console.log(`inbox bytes per response (HTML, CSS, JS): ${JSON.stringify(weights)}`);
    await browser?.close();
    await server?.close();
    await twilioApi?.close();
  });

  /** Marks the page so a reload would be noticed (the mark does not survive one). */
  const markNoReload = () => page.evaluate(() => ((window as unknown as { stayed: boolean }).stayed = true));
  const stayed = () => page.evaluate(() => (window as unknown as { stayed?: boolean }).stayed === true);

  it('then signing in shows the empty voicemails tab, rendered quickly', async () => {
    await page.goto(`${server.url}/inbox/voicemails`);
    expect(new URL(page.url()).pathname).toBe('/inbox/sign-in');
    await page.fill('input[name=username]', 'alice');
    await page.fill('input[name=password]', PASSWORD);
    await page.click('button[type=submit]');
    await page.waitForURL(`${server.url}/inbox/voicemails`);
    await expect(page.textContent('.empty')).resolves.toMatch(/No voicemails yet — call \+1 555 000 6666 and press 2/);
    const firstPaint = await page.evaluate(
      () => performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? -1,
    );
    // eslint-disable-next-line no-console
    console.log(`first contentful paint of /inbox/voicemails: ${Math.round(firstPaint)} ms`);
    expect(firstPaint).toBeGreaterThan(0);
  });

  it('then a voicemail left by a simulated call appears without a reload, with its transcript, and plays', async () => {
    await markNoReload();
    const call = await callFromCaller(
      server,
      twilioApi,
      '/voice',
      { inputs: [{ digits: '2' }], recordSeconds: 4, transcription: 'Please call me back about the order.' },
      { from: CALLER, to: OUR_NUMBER },
    );
    expect(call.error).toBeUndefined();
    firstCall = call;
    await page.waitForSelector('#voicemail-1 .transcript:has-text("Please call me back about the order.")', {
      timeout: 10_000,
    });
    expect(await stayed()).toBe(true);
    await expect(page.title()).resolves.toBe('(1) Voicemails · Inbox');
    await expect(page.getAttribute('#voicemail-1 .phone', 'title')).resolves.toBe(CALLER);
    await page.screenshot({ path: path.join(ARTIFACTS, 'inbox-voicemails.png'), fullPage: true });

    const audio = page.waitForResponse((res) => res.url().endsWith('/inbox/voicemails/1/audio'));
    const listened = page.waitForRequest((req) => req.url().endsWith('/inbox/voicemails/1/listened'));
    // When did the <audio> element reach 'playing', and when was the voicemail marked listened?
    await page.evaluate(() => {
      const el = document.querySelector('#voicemail-1 audio') as HTMLAudioElement;
      el.addEventListener(
        'playing',
        () => ((window as unknown as { playingAt: number }).playingAt ??= performance.now()),
      );
      void el.play();
    });
    const answer = await audio;
    expect([200, 206]).toContain(answer.status());
    expect(answer.headers()['content-type']).toMatch(/^audio\//);
    await listened;
    const playingAt = await page.evaluate(() => (window as unknown as { playingAt?: number }).playingAt);
    expect(playingAt).toBeGreaterThan(0); // it really played before it counted as listened
    await page.waitForFunction(() => document.title === 'Voicemails · Inbox', undefined, { timeout: 10_000 });
    await expect(page.locator('#voicemail-1.unread').count()).resolves.toBe(0);
  });

  it('then a voicemail whose audio cannot be had stays new, and the page says why', async () => {
    // The page does not refresh while a recording plays: stop the first one.
    await page.evaluate(() => (document.querySelector('#voicemail-1 audio') as HTMLAudioElement).pause());
    const call = await callFromCaller(
      server,
      twilioApi,
      '/voice',
      { inputs: [{ digits: '2' }], recordSeconds: 3 },
      { from: CALLER, to: OUR_NUMBER },
    );
    expect(call.error).toBeUndefined();
    // The newest voicemail (ids come from the database's sequence: not assumed).
    const item = await page.waitForSelector('#voicemails li.unread', { timeout: 10_000 });
    const id = `#${await item.getAttribute('id')}`;
    twilioApi.recordings.clear(); // deleted at Twilio: the audio answers 404
    let listenedPosted = false;
    page.on('request', (req) => {
      if (req.url().endsWith('/listened')) listenedPosted = true;
    });
    await page.evaluate(
      (selector) =>
        void (document.querySelector(`${selector} audio`) as HTMLAudioElement).play().catch(() => undefined),
      id,
    );
    await page.waitForSelector(`${id} .audio-error`, { timeout: 10_000 });
    await expect(page.textContent(`${id} .audio-error`)).resolves.toBe(
      'Could not play this voicemail: No such recording at Twilio (it may have been deleted there).',
    );
    expect(listenedPosted).toBe(false);
    await expect(page.locator(`${id}.unread`).count()).resolves.toBe(1);
    await expect(page.title()).resolves.toBe('(1) Voicemails · Inbox');
  });

  it('then a text arrives live, the reply typed in the page reaches Twilio, and its delivery status updates live', async () => {
    await page.click('nav a[href="/inbox/messages"]');
    await page.waitForURL(`${server.url}/inbox/messages`);
    await markNoReload();
    const sms = await runInboundSms({
      url: `${server.url}/sms`,
      from: CALLER,
      to: OUR_NUMBER,
      body: 'Are you open on Sunday?',
      accountSid: TEST_ACCOUNT_SID,
      authToken: TEST_AUTH_TOKEN,
    });
    expect(sms.error).toBeUndefined();
    await page.waitForSelector('#threads a[href="/inbox/messages/%2B15551234567"]', { timeout: 10_000 });
    expect(await stayed()).toBe(true);
    await page.screenshot({ path: path.join(ARTIFACTS, 'inbox-messages.png'), fullPage: true });

    await page.click('#threads a[href="/inbox/messages/%2B15551234567"]');
    await page.waitForSelector('#thread');
    await page.fill('textarea[name=body]', 'Yes, from 10 to 4.');
    await page.click('form.reply button[type=submit]');
    await page.waitForSelector('#thread .bubble.out');
    await markNoReload();
    const sent = twilioApi.requestsTo('Messages').find((r) => r.params.Body === 'Yes, from 10 to 4.');
    expect(sent?.params.To).toBe(CALLER);
    await page.waitForSelector('#thread .bubble.out .status[data-status=delivered]', { timeout: 10_000 });
    expect(await stayed()).toBe(true);
    await page.screenshot({ path: path.join(ARTIFACTS, 'inbox-thread.png'), fullPage: true });
  });

  it('then a reply to a number outside the allow-list shows the refusal, and nothing reaches Twilio', async () => {
    const before = twilioApi.requestsTo('Messages').length;
    await page.goto(`${server.url}/inbox/messages/%2B15559876543`);
    await page.fill('textarea[name=body]', 'Hello?');
    await page.click('form.reply button[type=submit]');
    await expect(page.textContent('[role=alert]')).resolves.toBe('Not sent: +15559876543 is not in OUTBOUND_ALLOWLIST');
    expect(twilioApi.requestsTo('Messages').length).toBe(before);
  });

  it('then the call log shows the call, and signing out ends the session', async () => {
    await page.goto(`${server.url}/inbox/calls`);
    await expect(page.locator('#calls tbody tr').count()).resolves.toBeGreaterThanOrEqual(1);
    await expect(page.textContent('#calls tbody tr td:nth-child(4)')).resolves.toContain('menu-choice: voicemail');
    // The call ended (its status callback): its final status and duration, as the simulator played it.
    const row = page.locator(`#call-${firstCall?.callSid}`);
    await expect(row.locator('td[data-label="Status"]').textContent()).resolves.toBe('completed');
    await expect(row.locator('td[data-label="Seconds"]').textContent()).resolves.toBe(
      String(firstCall?.durationSeconds),
    );
    await page.screenshot({ path: path.join(ARTIFACTS, 'inbox-calls.png'), fullPage: true });
    await page.click('form.sign-out button');
    await page.waitForURL(`${server.url}/inbox/sign-in`);
    await page.goto(`${server.url}/inbox/voicemails`);
    expect(new URL(page.url()).pathname).toBe('/inbox/sign-in');
  });
});
