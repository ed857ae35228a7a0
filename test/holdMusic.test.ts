// The holdmusic twimlet: a local S3-compatible server's ListObjects listing, the cache, Urls[], failures,
// and the loop played by the simulator.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp } from '../src/app';
import { shuffled } from '../src/services/holdMusic';
import { runCall } from '../src/simulator/voiceCall';
import { startAppServer } from './support/appServer';
import { PUBLIC_BASE, TEST_ACCOUNT_SID, TEST_AUTH_TOKEN, testConfig } from './support/config';
import { captureLogs } from './support/logs';
import { signedPost } from './support/signing';
import { parseTwiml, verbs } from './support/twiml';

const LISTING = `<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>com.example.music</Name><IsTruncated>false</IsTruncated>
<Contents><Key>a.mp3</Key><Size>1</Size></Contents><Contents><Key>b.WAV</Key><Size>1</Size></Contents>
<Contents><Key>notes.txt</Key><Size>1</Size></Contents><Contents><Key>jazz/c d.mp3</Key><Size>1</Size></Contents>
<Contents><Key>ClockworkWaltz.ul</Key><Size>1</Size></Contents>
</ListBucketResult>`;

let s3: http.Server;
let s3Url: string;
const s3Requests: string[] = [];

beforeAll(async () => {
  s3 = http.createServer((req, res) => {
    s3Requests.push(req.url ?? '');
    if (req.url === '/com.example.music') {
      res.writeHead(200, { 'Content-Type': 'application/xml' });
      return void res.end(LISTING);
    }
    res.writeHead(404, { 'Content-Type': 'application/xml' });
    res.end('<Error><Code>NoSuchBucket</Code></Error>');
  });
  await new Promise<void>((resolve) => s3.listen(0, '127.0.0.1', resolve));
  s3Url = `http://127.0.0.1:${(s3.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => s3.close(() => resolve())));

const CALL = { CallSid: 'CA0123456789abcdef0123456789abcdef', From: '+15551234567' };

describe('when /twiml/holdmusic plays a bucket', () => {
  const logs = captureLogs();
  // Built per test: the S3 server's URL is known only once beforeAll has run.
  const appFor = () => createApp(testConfig({ HOLDMUSIC_S3_ENDPOINT: s3Url }), { logger: logs.logger });

  it('then every audio file plays (shuffled), the message after each, then it loops to itself', async () => {
    const local = appFor();
    const doc = parseTwiml(
      (await signedPost(local, '/twiml/holdmusic?Bucket=com.example.music&Message=Thanks%20for%20holding', CALL)).text,
    );
    const plays = doc.children.filter((c) => c.name === 'Play').map((c) => c.text);
    // .ul (μ-law) is what Twilio's own hold-music buckets hold.
    expect(plays.sort()).toEqual([
      `${s3Url}/com.example.music/ClockworkWaltz.ul`,
      `${s3Url}/com.example.music/a.mp3`,
      `${s3Url}/com.example.music/b.WAV`,
      `${s3Url}/com.example.music/jazz/c%20d.mp3`,
    ]);
    expect(verbs(doc)).toEqual(['Play', 'Say', 'Play', 'Say', 'Play', 'Say', 'Play', 'Say', 'Redirect']);
    expect(doc.children.at(-1)?.text).toBe(
      `${PUBLIC_BASE}/twiml/holdmusic?Bucket=com.example.music&Message=Thanks+for+holding`,
    );
  });

  it('then the listing is cached: a second caller does not list the bucket again', async () => {
    const local = appFor();
    s3Requests.length = 0;
    await signedPost(local, '/twiml/holdmusic?Bucket=com.example.music', CALL);
    await signedPost(local, '/twiml/holdmusic?Bucket=com.example.music', CALL);
    expect(s3Requests).toEqual(['/com.example.music']);
  });

  it('then a bucket name in another case is the same bucket (S3 host names are case-insensitive)', async () => {
    const local = appFor();
    s3Requests.length = 0;
    const doc = parseTwiml((await signedPost(local, '/twiml/holdmusic?Bucket=Com.Example.MUSIC', CALL)).text);
    expect(doc.children.filter((c) => c.name === 'Play')).toHaveLength(4);
    expect(s3Requests).toEqual(['/com.example.music']);
    expect(new URL(doc.children.at(-1)?.text as string).searchParams.get('Bucket')).toBe('com.example.music');
  });

  it('then a bucket that cannot be listed gives a short hold and a warn line, not an error', async () => {
    const local = appFor();
    const doc = parseTwiml((await signedPost(local, '/twiml/holdmusic?Bucket=com.example.missing', CALL)).text);
    expect(verbs(doc)).toEqual(['Say', 'Pause', 'Redirect']);
    expect(
      logs
        .entries()
        .some((e) => e.msg === 'hold music bucket could not be listed' && e.bucket === 'com.example.missing'),
    ).toBe(true);
  });

  it('then Urls[] plays the given files; a bad bucket name or no source is an apology (logged), not a 400', async () => {
    const local = appFor();
    const doc = parseTwiml(
      (
        await signedPost(
          local,
          '/twiml/holdmusic?Urls%5B0%5D=https%3A%2F%2Fx%2Fa.mp3&Urls%5B1%5D=https%3A%2F%2Fx%2Fb.mp3',
          CALL,
        )
      ).text,
    );
    expect(
      doc.children
        .filter((c) => c.name === 'Play')
        .map((c) => c.text)
        .sort(),
    ).toEqual(['https://x/a.mp3', 'https://x/b.mp3']);
    for (const path of ['/twiml/holdmusic?Bucket=..%2F..%2Fetc', '/twiml/holdmusic']) {
      const res = await signedPost(local, path, CALL);
      expect(res.status).toBe(200);
      expect(verbs(parseTwiml(res.text))).toEqual(['Say', 'Hangup']);
    }
    const reasons = logs
      .entries()
      .filter((e) => e.msg === 'twimlet parameter refused: answered with an apology')
      .map((e) => e.reason);
    expect(reasons).toEqual(
      expect.arrayContaining([expect.stringMatching(/^Bucket must be/), 'Bucket or Urls[] is required']),
    );
  });
});

describe('when a caller waits on hold (simulated)', () => {
  it('then the music plays and loops until the caller hangs up (no request limit: only the call time ends it)', async () => {
    const server = await startAppServer({ HOLDMUSIC_S3_ENDPOINT: s3Url });
    try {
      const result = await runCall(
        {
          url: `${server.url}/twiml/holdmusic?Bucket=com.example.music`,
          from: '+15551234567',
          to: '+15550006666',
          accountSid: TEST_ACCOUNT_SID,
          authToken: TEST_AUTH_TOKEN,
          maxSeconds: 60,
        },
        {},
      );
      const plays = result.steps.filter((s) => s.type === 'verb' && s.verb === 'Play');
      expect(plays).toHaveLength(12); // four tracks of 5 s, three times round
      expect(result.requests).toBe(3);
      expect(result.error).toBeUndefined();
      expect(result.steps.at(-1)).toMatchObject({ verb: 'Hangup', detail: 'the caller hangs up after 60 s' });
    } finally {
      await server.close();
    }
  });
});

describe('shuffled', () => {
  it('keeps every item and moves them with the random source', () => {
    expect(shuffled([1, 2, 3, 4], () => 0)).toEqual([2, 3, 4, 1]);
    expect(shuffled([1, 2, 3, 4]).sort()).toEqual([1, 2, 3, 4]);
  });
});
