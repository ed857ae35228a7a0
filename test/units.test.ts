// Pure helpers: menu choices, SMS reply choice, list parameters, and the signed curl builder.
import { validateRequest } from 'twilio';
import { listParam } from '../src/http/params';
import { menuChoice } from '../src/voice/menu';
import { createAllowlist, toE164 } from '../src/policy/phoneNumbers';
import { autoReplyText, fillPlaceholders } from '../src/messaging/autoReply';
import { shellQuote, signedCurl } from '../src/cli/signedCurl';
import { TEST_AUTH_TOKEN } from './support/config';
import { parseCurl } from './support/curl';

describe('menuChoice', () => {
  it.each([
    ['1', undefined, 'forward'],
    ['2', undefined, 'voicemail'],
    ['3', undefined, 'repeat'],
    ['4', undefined, undefined],
    [undefined, 'One.', 'forward'],
    [undefined, 'Can I speak to an operator?', 'forward'],
    [undefined, "I'd like to leave a message", 'voicemail'],
    [undefined, 'voice mail', 'voicemail'],
    [undefined, 'Two', 'voicemail'],
    [undefined, 'repeat that please', 'repeat'],
    [undefined, 'THREE', 'repeat'],
    [undefined, 'purple monkey', undefined],
    [undefined, '', undefined],
    ['', 'two', 'voicemail'],
    ['1', 'voicemail', 'forward'],
  ])('Digits %p, SpeechResult %p → %p', (digits, speech, expected) => {
    expect(menuChoice(digits, speech)).toBe(expected);
  });
});

describe('autoReplyText', () => {
  const texts = { reply: 'Got "{Body}" from {From} to {To}', helpReply: 'Help!', mediaReply: 'Nice pic, {From}' };
  const sms = (body: string, numMedia = 0) => ({ from: '+15551234567', to: '+15550006666', body, numMedia });

  it.each([
    ['hello', 0, 'Got "hello" from +15551234567 to +15550006666'],
    ['help', 0, 'Help!'],
    [' info ', 0, 'Help!'],
    ['', 1, 'Nice pic, +15551234567'],
    ['look', 3, 'Nice pic, +15551234567'],
    ['', 0, undefined],
    ['STOP', 0, undefined],
    ['stop', 2, undefined],
    ['quit', 0, undefined],
    ['stop please', 0, 'Got "stop please" from +15551234567 to +15550006666'],
  ])('body %p with %p media → %p', (body, media, expected) => {
    expect(autoReplyText(sms(body, media), texts)).toBe(expected);
  });

  it('fills placeholders in one pass and leaves unknown ones', () => {
    expect(fillPlaceholders('{Body}|{Unknown}|{From}', sms('{To}'))).toBe('{To}|{Unknown}|+15551234567');
  });
});

describe('listParam', () => {
  it('orders plain, [] and indexed values, indexes numerically', () => {
    expect(
      listParam({ 'M[10]': 'ten', M: 'plain', 'M[2]': 'two', 'M[]': ['a', 'b'], 'M[x]': 'ignored', Other: 'no' }, 'M'),
    ).toEqual(['plain', 'a', 'b', 'two', 'ten']);
  });

  it('returns nothing when the parameter is absent', () => {
    expect(listParam({ Message2: 'x' }, 'Message')).toEqual([]);
  });
});

describe('signedCurl', () => {
  it('signs a form POST so that twilio.validateRequest accepts it', () => {
    const command = signedCurl({
      method: 'POST',
      url: 'https://voice.example.com/voice',
      params: [
        ['From', '+15551234567'],
        ['Digits', '1'],
        ['Message[0]', "it's"],
      ],
      authToken: TEST_AUTH_TOKEN,
    });
    const curl = parseCurl(command);
    expect(curl.method).toBe('POST');
    expect(curl.data).toEqual(['From=+15551234567', 'Digits=1', "Message%5B0%5D=it's"]);
    const params = { From: '+15551234567', Digits: '1', 'Message[0]': "it's" };
    expect(validateRequest(TEST_AUTH_TOKEN, curl.headers['X-Twilio-Signature'] as string, curl.url, params)).toBe(true);
  });

  it('signs a GET over the full URL with the parameters in the query', () => {
    const curl = parseCurl(
      signedCurl({
        method: 'GET',
        url: 'https://h/twiml/message',
        params: [['Message[0]', 'Hello World']],
        authToken: TEST_AUTH_TOKEN,
      }),
    );
    expect(curl.url).toBe('https://h/twiml/message?Message%5B0%5D=Hello%20World');
    expect(validateRequest(TEST_AUTH_TOKEN, curl.headers['X-Twilio-Signature'] as string, curl.url, {})).toBe(true);
  });

  it('signs a JSON body through bodySHA256', () => {
    const curl = parseCurl(
      signedCurl({
        method: 'POST',
        url: 'https://h/callbacks/call-status',
        params: [],
        json: '{"a":1}',
        authToken: TEST_AUTH_TOKEN,
      }),
    );
    expect(curl.url).toMatch(/\?bodySHA256=[0-9a-f]{64}$/);
    expect(curl.data).toEqual(['{"a":1}']);
    expect(curl.headers['Content-Type']).toBe('application/json');
  });

  it('prints no signature header without a token, and refuses JSON with params', () => {
    expect(signedCurl({ method: 'POST', url: 'https://h/sms', params: [['Body', 'x']] })).not.toContain(
      'X-Twilio-Signature',
    );
    expect(() => signedCurl({ method: 'POST', url: 'https://h/sms', params: [['a', 'b']], json: '{}' })).toThrow(
      /JSON body/,
    );
  });

  it('quotes single quotes for the shell', () => {
    expect(shellQuote("it's")).toBe("'it'\\''s'");
  });
});

describe('toE164', () => {
  it.each([
    ['+14155551212', undefined, '+14155551212'],
    [' +1 (415) 555-1212 ', undefined, '+14155551212'],
    ['+44 20 7946 0000', undefined, '+442079460000'],
    ['(415) 555-1212', undefined, undefined],
    ['(415) 555-1212', 'US', '+14155551212'],
    ['415.555.1212', 'US', '+14155551212'],
    ['1 415 555 1212', 'US', '+14155551212'],
    ['(015) 555-1212', 'US', undefined],
    ['415-155-1212', 'US', undefined],
    ['+0123456789', 'US', undefined],
    ['+1234567', undefined, undefined],
    ['+1234567890123456', undefined, undefined],
    ['tel:+14155551212', undefined, undefined],
    ['', 'US', undefined],
  ] as const)('%p with country %p → %p', (input, country, expected) => {
    expect(toE164(input, country)).toBe(expected);
  });
});

describe('createAllowlist', () => {
  const list = createAllowlist(['+1555*', '+442079460000']);
  it.each([
    ['+15551234567', true],
    ['+15559999999', true],
    ['+14155551212', false],
    ['+442079460000', true],
    ['+442079460001', false],
    ['+1555', true],
  ])('%p allowed: %p', (number, allowed) => {
    expect(list.allows(number)).toBe(allowed);
  });

  it('says why a number is refused', () => {
    expect(list.refusal('+15551234567')).toBeUndefined();
    expect(list.refusal('+14155551212')).toBe('not in OUTBOUND_ALLOWLIST');
    expect(createAllowlist(undefined).refusal('+15551234567')).toBe('no OUTBOUND_ALLOWLIST');
  });

  it('is unconfigured, and allows nothing, without entries', () => {
    const none = createAllowlist(undefined);
    expect(none.configured).toBe(false);
    expect(none.allows('+15551234567')).toBe(false);
    expect(createAllowlist([]).configured).toBe(false);
  });
});
