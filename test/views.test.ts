// Views are pure: typed input in, TwiML (or the inbox's HTML) out. Tested here with no HTTP at all.
import { messagingTwiml } from '../views/sms';
import { messageTwimlet } from '../views/twimlets';
import { apologyTwiml, forwardTwiml, menuTwiml, voicemailTwiml } from '../views/voice';
import { only, parseTwiml, verbs } from './support/twiml';
import { parsePage } from './support/html';
import { threadPage } from '../views/inbox';
import type { StoredMessage } from '../src/store/messageQueries';

const say = { voice: 'alice', language: 'en-GB' };

describe('voice views', () => {
  it('menuTwiml skips a blank intro and applies voice and language everywhere', () => {
    const doc = parseTwiml(menuTwiml({ intro: ' ', menuPrompt: 'Press 1.', menuUrl: 'https://h/voice/menu', say }));
    expect(verbs(doc)).toEqual(['Gather', 'Gather', 'Say', 'Hangup']);
    expect(only(doc.children[0]!, 'Say').attrs).toEqual(say);
    expect(doc.children[2]?.attrs).toEqual(say);
  });

  it('forwardTwiml leaves callerId out when none is known', () => {
    const doc = parseTwiml(
      forwardTwiml({ forwardTo: '+15557654321', timeout: 30, dialStatusUrl: 'https://h/d', say: {} }),
    );
    expect(only(doc, 'Dial').attrs).toEqual({ action: 'https://h/d', method: 'POST', timeout: '30' });
  });

  it('voicemailTwiml records, then covers the no-recording case', () => {
    const doc = parseTwiml(
      voicemailTwiml({
        intro: 'Busy.',
        prompt: 'Talk.',
        maxLength: 30,
        transcribe: false,
        actionUrl: 'https://h/a',
        recordingStatusUrl: 'https://h/r',
        transcribeCallbackUrl: 'https://h/t',
        say: {},
      }),
    );
    expect(doc.children.map((c) => [c.name, c.text])).toEqual([
      ['Say', 'Busy.'],
      ['Say', 'Talk.'],
      ['Record', ''],
      ['Say', 'We did not receive a recording. Goodbye.'],
      ['Hangup', ''],
    ]);
  });

  it('apologyTwiml says sorry and hangs up', () => {
    expect(verbs(parseTwiml(apologyTwiml(say)))).toEqual(['Say', 'Hangup']);
  });
});

describe('messaging and twimlet views', () => {
  it('messagingTwiml answers one <Message>, or nothing for a blank reply', () => {
    expect(only(parseTwiml(messagingTwiml('Hi & bye')), 'Message').text).toBe('Hi & bye');
    expect(parseTwiml(messagingTwiml('  ')).children).toEqual([]);
    expect(parseTwiml(messagingTwiml(undefined)).children).toEqual([]);
  });

  it('messageTwimlet trims items and plays anything starting with http, any case', () => {
    const doc = parseTwiml(messageTwimlet({ items: ['  Hello  ', ' Http://x/a.mp3 ', 'httpd is a server'], say: {} }));
    expect(doc.children.map((c) => [c.name, c.text])).toEqual([
      ['Say', 'Hello'],
      ['Play', 'Http://x/a.mp3'],
      ['Play', 'httpd is a server'],
    ]);
  });
});

describe('text that XML cannot carry', () => {
  const hostile = 'bell\u0007 nul\u0000 lone\uD800 fffe\uFFFE ok 😀 <&>';

  it('is dropped, not thrown on, everywhere caller text reaches a document', () => {
    expect(only(parseTwiml(messagingTwiml(hostile)), 'Message').text).toBe('bell nul lone fffe ok 😀 <&>');
    expect(parseTwiml(messageTwimlet({ items: [hostile, '\u0001'], say: {} })).children.map((c) => c.text)).toEqual([
      'bell nul lone fffe ok 😀 <&>',
    ]);
  });
});

describe('inbox views: a text’s attachments', () => {
  const message = (mediaUrls: string[]): StoredMessage => ({
    sid: `MM${'0'.repeat(32)}`,
    direction: 'inbound',
    from: '+15551234567',
    to: '+15550006666',
    body: 'see attached',
    mediaUrls,
    status: 'received',
    errorCode: null,
    createdAt: '2026-12-03T12:00:00.000Z',
    updatedAt: '2026-12-03T12:00:00.000Z',
    statuses: [],
  });

  it('link only web addresses: javascript:, data: and the rest a sender may put in MediaUrl stay inert text', () => {
    const doc = parsePage(
      threadPage(
        '+15551234567',
        [
          message([
            'https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1',
            'javascript:alert(document.cookie)',
            'data:text/html,<script>alert(1)</script>',
            'JaVaScRiPt:alert(1)',
            'http://media.example.com/a.png',
          ]),
        ],
        'csrf',
      ),
    );
    const hrefs = [...doc.querySelectorAll('a[href]')].map((a) => a.getAttribute('href'));
    expect(hrefs.filter((h) => !h?.startsWith('/inbox'))).toEqual([
      'https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1',
      'http://media.example.com/a.png',
    ]);
    expect(doc.querySelectorAll('span.muted[title]')).toHaveLength(3);
  });
});
