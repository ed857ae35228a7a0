// The message twimlet at /twiml/message, the drop-in for twimlets.com/message.
import request from 'supertest';
import { createApp } from '../src/app';
import { testConfig } from './support/config';
import { signatureFor, signedGet, signedPost } from './support/signing';
import { PUBLIC_BASE } from './support/config';
import { only, parseTwiml, verbs } from './support/twiml';

const app = createApp(testConfig());

/** GET a raw path (query written by hand, as a user would paste it), signed for it. */
function getRaw(path: string) {
  return request(app)
    .get(path)
    .set('X-Twilio-Signature', signatureFor(PUBLIC_BASE + path, {}));
}

describe('when /twiml/message is fetched', () => {
  it('then ?Message[0]=Hello World answers <Response><Say>Hello World</Say></Response>', async () => {
    const res = await getRaw('/twiml/message?Message%5B0%5D=Hello%20World');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/xml; charset=utf-8');
    const doc = parseTwiml(res.text);
    expect(doc.children).toEqual([{ name: 'Say', attrs: {}, text: 'Hello World', children: [] }]);
  });

  it('then unencoded brackets work too (Message[0]=…)', async () => {
    const doc = parseTwiml((await getRaw('/twiml/message?Message[0]=Hi%20there')).text);
    expect(doc.children[0]?.text).toBe('Hi there');
  });

  it('then items are played in index order, URLs with <Play>, text with <Say>', async () => {
    const res = await signedGet(app, '/twiml/message', {
      'Message[2]': 'third',
      'Message[0]': 'first',
      'Message[10]': 'HTTPS://cdn.example.com/beep.mp3',
      'Message[1]': 'http://cdn.example.com/hello.wav',
    });
    const doc = parseTwiml(res.text);
    expect(doc.children.map((c) => [c.name, c.text])).toEqual([
      ['Say', 'first'],
      ['Play', 'http://cdn.example.com/hello.wav'],
      ['Say', 'third'],
      ['Play', 'HTTPS://cdn.example.com/beep.mp3'],
    ]);
  });

  it('then a single Message parameter works', async () => {
    const doc = parseTwiml((await signedGet(app, '/twiml/message', { Message: 'Just this' })).text);
    expect(doc.children.map((c) => c.text)).toEqual(['Just this']);
  });

  it('then Voice and Language set the <Say> attributes', async () => {
    const doc = parseTwiml(
      (await signedGet(app, '/twiml/message', { 'Message[0]': 'Hola', Voice: 'Polly.Lupe', Language: 'es-US' })).text,
    );
    expect(doc.children[0]?.attrs).toEqual({ voice: 'Polly.Lupe', language: 'es-US' });
  });

  it('then a Voice we do not know goes to Twilio as written (Twilio decides), and markup in it is no voice at all', async () => {
    const unknown = parseTwiml(
      (await signedGet(app, '/twiml/message', { 'Message[0]': 'x', Voice: 'Polly.Newvoice-Generative' })).text,
    );
    expect(only(unknown, 'Say').attrs.voice).toBe('Polly.Newvoice-Generative');
    const res = await signedGet(app, '/twiml/message', { 'Message[0]': 'x', Voice: '"><Hangup/>' });
    expect(res.status).toBe(200);
    const doc = parseTwiml(res.text);
    expect(verbs(doc)).toEqual(['Say']);
    expect(only(doc, 'Say').attrs.voice ?? '').not.toContain('Hangup');
  });

  it('then a malformed Language is ignored rather than failing the call', async () => {
    const doc = parseTwiml(
      (await signedGet(app, '/twiml/message', { 'Message[0]': 'x', Language: 'not a tag!' })).text,
    );
    expect(verbs(doc)).toEqual(['Say']);
    expect(only(doc, 'Say').attrs.language).not.toBe('not a tag!');
  });

  it('then no message at all answers an empty <Response/>', async () => {
    const res = await signedGet(app, '/twiml/message');
    expect(res.status).toBe(200);
    expect(parseTwiml(res.text).children).toEqual([]);
  });

  it('then blank items are skipped', async () => {
    const doc = parseTwiml((await signedGet(app, '/twiml/message', { 'Message[0]': '  ', 'Message[1]': 'ok' })).text);
    expect(verbs(doc)).toEqual(['Say']);
  });

  it('then Twilio’s POST (message in the URL, call data in the body) works', async () => {
    const res = await signedPost(app, '/twiml/message?Message%5B0%5D=From%20the%20URL', {
      CallSid: 'CA0123456789abcdef0123456789abcdef',
      CallStatus: 'in-progress',
    });
    expect(parseTwiml(res.text).children[0]?.text).toBe('From the URL');
  });

  it('then text that looks like XML is spoken literally', async () => {
    const res = await signedGet(app, '/twiml/message', { 'Message[0]': '</Say><Dial>+19005550000</Dial>' });
    const doc = parseTwiml(res.text);
    expect(verbs(doc)).toEqual(['Say']);
    expect(doc.children[0]?.text).toBe('</Say><Dial>+19005550000</Dial>');
  });
});
