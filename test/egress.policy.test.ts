// The egress policy on its own: every destination and hand-off it knows, the spellings an attacker would try
// (namespaces, case, entities, CDATA, look-alike digits, URL tricks), and what stays outside the rule.
import { createEgressPolicy, sipHost } from '../src/policy/egress';
import { egressPolicyFromConfig } from '../src/policy/fromConfig';
import { createHostList, createNameList } from '../src/policy/patterns';
import { createAllowlist } from '../src/policy/phoneNumbers';
import { readTwiml } from '../src/twiml/document';
import { testConfig } from './support/config';

const OWN = 'https://voice.example.com';
const policy = egressPolicyFromConfig(
  testConfig({
    OUTBOUND_ALLOWLIST: '+1555*',
    SIP_ALLOWLIST: 'pbx.example.com,*.sip.example.net',
    TWIML_URL_ALLOWLIST: 'twiml.example.org,media.example.org:8443',
    CLIENT_ALLOWLIST: 'agent-*',
    CONFERENCE_ALLOWLIST: 'standup',
    QUEUE_ALLOWLIST: 'support',
    SIM_ALLOWLIST: 'HS0123',
    APPLICATION_ALLOWLIST: 'AP0123',
  }),
);
const verdict = (body: string, origin = OWN) => policy.check(`<Response>${body}</Response>`, origin);

describe('when a document reaches only what the operator allowed', () => {
  it.each([
    '<Dial><Number>+15551234567</Number></Dial>',
    '<Dial>+1 (555) 123-4567</Dial>',
    '<Dial><Number url="/twiml/whisper">+15551234567</Number><Number>+15559876543</Number></Dial>',
    '<Dial><Sip>sip:alice@pbx.example.com;transport=tls</Sip></Dial>',
    '<Dial><Sip>sips:bob@edge.sip.example.net:5061</Sip></Dial>',
    '<Dial><Sip>sip:PBX.example.com.</Sip></Dial>',
    '<Refer action="/voice"><Sip>sip:desk@pbx.example.com</Sip></Refer>',
    '<Dial><Client>agent-7</Client></Dial>',
    '<Dial><Client><Identity>agent-9</Identity><Parameter name="k" value="v"/></Client></Dial>',
    '<Dial><Conference waitUrl="/twiml/holdmusic?Bucket=x" statusCallback="https://log.example.net/c">standup</Conference></Dial>',
    '<Dial><Queue url="/voice">support</Queue></Dial>',
    '<Dial><Sim>HS0123</Sim></Dial>',
    '<Dial><Application><ApplicationSid>AP0123</ApplicationSid></Application></Dial>',
    '<Redirect>/voice</Redirect>',
    '<Redirect method="GET">https://voice.example.com/voice?x=1</Redirect>',
    '<Redirect>https://twiml.example.org/next</Redirect>',
    '<Redirect>https://media.example.org:8443/next</Redirect>',
    '<Redirect></Redirect>',
    '<Gather action="/voice/menu"><Say>Press 1</Say></Gather>',
    '<Record action="/v" recordingStatusCallback="https://any.example.net/r" transcribeCallback="https://x.example/t"/>',
    '<Play>https://cdn.example.net/a.mp3</Play>',
    '<Say>Visit https://evil.example.com today</Say>',
    '<Message>Thanks</Message>',
    '<Sms to="+15557654321">hi</Sms>',
    '<Connect><Stream url="wss://voice.example.com/media"/></Connect>',
    '<Start><Stream url="wss://twiml.example.org/media" statusCallback="https://elsewhere.example/s"/></Start>',
    '<Enqueue waitUrl="/twiml/holdmusic" action="/voice">anyone</Enqueue>',
    '<Gather hints="say https://x.example.com now" action="/voice/menu?a[0]=1&amp;b=~x!"/>',
    '<Redirect>https://twiml.example.org./x</Redirect>',
    '<Dial><Application>AP0123<Parameter name="a" value="b"/></Application></Dial>',
    '<Refer>sip:desk@pbx.example.com</Refer>',
    '<Dial><Number statusCallback="https://anywhere.example.net/s" StatusCallback="//x.example/y">+15551234567</Number></Dial>',
  ])('then %s passes', (body) => {
    expect(verdict(body)).toBeUndefined();
  });

  it('then messaging <Message to> within the allow-list passes, with its media', () => {
    expect(
      policy.check(
        '<Response><Message to="+15557654321"><Body>x</Body><Media>https://x.example/a.png</Media></Message></Response>',
        OWN,
      ),
    ).toBeUndefined();
  });
});

describe('when a document reaches anything else (the attacks of issue 10 and their spellings)', () => {
  it.each([
    ['<Dial><Sip>sip:+447700900123@evil.example.com</Sip></Dial>', '<Sip>', /SIP host evil\.example\.com is not in/],
    ['<Message to="+447700900123">x</Message>', '<Message>', /not in OUTBOUND_ALLOWLIST/],
    ['<Sms to="+447700900123">x</Sms>', '<Sms>', /not in OUTBOUND_ALLOWLIST/],
    ['<Refer><Sip>sip:x@evil.example.com</Sip></Refer>', '<Sip>', /evil\.example\.com/],
    ['<Dial><Number>+15551234567</Number><Sip>sip:a@evil.example.com</Sip></Dial>', '<Sip>', /evil/],
    ['<Dial>+447700900123<Number>+15551234567</Number></Dial>', '<Dial>', /not in OUTBOUND_ALLOWLIST/],
    ['<Dial><Number>+447700900123</Number></Dial>', '<Number>', /not in OUTBOUND_ALLOWLIST/],
    ['<Dial><Number>call me</Number></Dial>', '<Number>', /not a phone number/],
    ['<Dial><Number>+１５５５１２３４５６７</Number></Dial>', '<Number>', /not a phone number/],
    ['<Dial><Number>&#43;447700900123</Number></Dial>', '<Number>', /not in OUTBOUND_ALLOWLIST/],
    ['<Dial><Number><![CDATA[+447700900123]]></Number></Dial>', '<Number>', /not in OUTBOUND_ALLOWLIST/],
    ['<Dial><Number>+1555<b/>1234567</Number></Dial>', '<Number>', /an element inside a destination/],
    ['<dial>+447700900123</dial>', '<dial>', /not in OUTBOUND_ALLOWLIST/],
    ['<t:Dial xmlns:t="urn:x">+447700900123</t:Dial>', '<t:Dial>', /not in OUTBOUND_ALLOWLIST/],
    ['<Message a:to="+447700900123" xmlns:a="urn:a">x</Message>', '<Message>', /not in OUTBOUND_ALLOWLIST/],
    ['<Message to="">x</Message>', '<Message>', /not a phone number/],
    ['<Message to="whatsapp:+447700900123">x</Message>', '<Message>', /not a phone number/],
    ['<Dial><Sip>sip:a@pbx.example.com@evil.example.com</Sip></Dial>', '<Sip>', /not a SIP URI/],
    ['<Dial><Sip>sip:a@evil%2eexample.com</Sip></Dial>', '<Sip>', /not a SIP URI/],
    ['<Dial><Sip>http://pbx.example.com</Sip></Dial>', '<Sip>', /not a SIP URI/],
    ['<Dial><Sip>sip:a@sip.example.net</Sip></Dial>', '<Sip>', /not in SIP_ALLOWLIST/],
    ['<Dial><Client>alice</Client></Dial>', '<Client>', /not in CLIENT_ALLOWLIST/],
    ['<Dial><Client><Identity>agent-1</Identity><Identity>boss</Identity></Client></Dial>', '<Client>', /CLIENT/],
    ['<Dial><Client><Number>+15551234567</Number></Client></Dial>', '<Number>', /not expected inside <Client>/],
    ['<Dial><Client></Client></Dial>', '<Client>', /no target named/],
    ['<Dial><Conference>board-meeting</Conference></Dial>', '<Conference>', /not in CONFERENCE_ALLOWLIST/],
    ['<Dial><Queue>vip</Queue></Dial>', '<Queue>', /not in QUEUE_ALLOWLIST/],
    ['<Dial><Sim>HS9999</Sim></Dial>', '<Sim>', /not in SIM_ALLOWLIST/],
    ['<Dial><Application>AP9999</Application></Dial>', '<Application>', /not in APPLICATION_ALLOWLIST/],
    ['<Redirect>https://evil.example.com/x</Redirect>', '<Redirect>', /URL host evil\.example\.com/],
    ['<Redirect>//evil.example.com/x</Redirect>', '<Redirect>', /evil\.example\.com/],
    ['<Redirect>/\\evil.example.com/x</Redirect>', '<Redirect>', /back-slashes/],
    ['<Redirect>HTTPS://EVIL.EXAMPLE.COM/x</Redirect>', '<Redirect>', /evil\.example\.com/],
    ['<Redirect>https://voice.example.com@evil.example.com/</Redirect>', '<Redirect>', /evil\.example\.com/],
    ['<Redirect>https://evil.example.com#@voice.example.com</Redirect>', '<Redirect>', /evil\.example\.com/],
    ['<Redirect>https://voice.example.com.evil.example.com/</Redirect>', '<Redirect>', /URL host/],
    ['<Redirect>https://%65vil.example.com/</Redirect>', '<Redirect>', /evil\.example\.com/],
    ['<Redirect>https://ｅvil.example.com/</Redirect>', '<Redirect>', /non-ASCII/],
    ['<Redirect>http://voice.example.com/voice</Redirect>', '<Redirect>', /URL host voice\.example\.com/],
    ['<Redirect>https://voice.example.com:8443/voice</Redirect>', '<Redirect>', /URL host/],
    ['<Redirect>javascript:alert(1)</Redirect>', '<Redirect>', /scheme javascript:/],
    ['<Redirect>https://twiml.example.org:444/x</Redirect>', '<Redirect>', /URL host/],
    ['<Redirect>https://media.example.org/x</Redirect>', '<Redirect>', /URL host media\.example\.org/],
    ['<Dial action="https://evil.example.com/a"><Number>+15551234567</Number></Dial>', '<Dial action>', /evil/],
    ['<Dial referUrl="https://evil.example.com/r"><Number>+15551234567</Number></Dial>', '<Dial referUrl>', /evil/],
    ['<Dial><Number url="https://evil.example.com/w">+15551234567</Number></Dial>', '<Number url>', /evil/],
    ['<Enqueue waitUrl="https://evil.example.com/w">q</Enqueue>', '<Enqueue waitUrl>', /evil/],
    ['<Dial><Queue url="https://evil.example.com/q">support</Queue></Dial>', '<Queue url>', /evil/],
    ['<Connect><Stream url="wss://evil.example.com/s"/></Connect>', '<Stream url>', /evil/],
    ['<Gather ACTION="https://evil.example.com/g"/>', '<Gather ACTION>', /evil/],
    ['<Gather x:action="https://evil.example.com/g" xmlns:x="urn:x"/>', '<Gather x:action>', /evil/],
    ['<Say voice="https://evil.example.com/v">hi</Say>', '<Say voice>', /evil/],
    ['<Pay action=" https://evil.example.com/p"/>', '<Pay action>', /evil/],
    ['<Redirect>https://evil.example.com/a b</Redirect>', '<Redirect>', /spaces/],
    ['<Redirect>http://</Redirect>', '<Redirect>', /^not a URL$/],
    ['<Say voice=" https://evil.example.com/v">hi</Say>', '<Say voice>', /evil/],
    ['<Say voice="HTTPS://EVIL.EXAMPLE.COM/v">hi</Say>', '<Say voice>', /evil/],
    ['<Say voice="svn+ssh.x-y://evil.example.com">hi</Say>', '<Say voice>', /scheme svn\+ssh\.x-y:/],
    ['<Say voice="//evil.example.com/v">hi</Say>', '<Say voice>', /evil/],
    ['<Gather action="/\\evil.example.com/x"/>', '<Gather action>', /back-slashes/],
    ['<Dial><Number url="/\\evil.example.com/x">+15551234567</Number></Dial>', '<Number url>', /back-slashes/],
    ['<Enqueue waitUrl="/\\evil.example.com/x">q</Enqueue>', '<Enqueue waitUrl>', /back-slashes/],
    ['<Dial referUrl="/\\evil.example.com/x">+15551234567</Dial>', '<Dial referUrl>', /back-slashes/],
    ['<Refer>sip:x@evil.example.com</Refer>', '<Refer>', /evil\.example\.com/],
    ['<Dial><Sip>sip:a@pbx.example.com<x/></Sip></Dial>', '<Sip>', /an element inside a destination/],
    ['<Dial><Conference>standup<x/></Conference></Dial>', '<Conference>', /an element inside/],
    ['<Dial><Queue>support<x/></Queue></Dial>', '<Queue>', /an element inside/],
    ['<Dial><Sim>HS0123<x/></Sim></Dial>', '<Sim>', /an element inside/],
    [
      '<Dial><Application><Number>+15551234567</Number></Application></Dial>',
      '<Number>',
      /not expected inside <Application>/,
    ],
    ['<Dial><Sip>sip:a@.sip.example.net</Sip></Dial>', '<Sip>', /not a SIP URI/],
  ])('then %s is refused at %s', (body, element, reason) => {
    const refusal = verdict(body);
    expect(refusal).toEqual({ element, reason: expect.stringMatching(reason) });
  });

  it('then namespace declarations are not addresses, even when they look like URLs', () => {
    expect(
      policy.check(
        '<Response xmlns="https://evil.example.com/ns" xmlns:t="https://evil.example.com/t"><t:Say>hi</t:Say></Response>',
        OWN,
      ),
    ).toBeUndefined();
  });

  it('then a document that is not XML, or nests without end, is refused as unreadable', () => {
    expect(policy.check('<Response><Dial>', OWN)).toEqual({
      element: '<Response>',
      reason: expect.stringMatching(/12100/),
    });
    const deep = `${'<Gather>'.repeat(200)}${'</Gather>'.repeat(200)}`;
    expect(verdict(deep)).toEqual({ element: '<Response>', reason: expect.stringMatching(/unreadable TwiML/) });
  });

  it('then an origin that is no URL refuses everything', () => {
    expect(verdict('<Say>hi</Say>', 'not a url')).toEqual({
      element: '<Response>',
      reason: 'this server origin could not be determined',
    });
  });

  it('then an allowed host is reached over TLS only: http and ws to it are refused, https and wss pass', () => {
    expect(verdict('<Redirect>https://twiml.example.org/x</Redirect>')).toBeUndefined();
    expect(verdict('<Connect><Stream url="wss://twiml.example.org/s"/></Connect>')).toBeUndefined();
    expect(verdict('<Redirect>http://twiml.example.org/x</Redirect>')).toEqual({
      element: '<Redirect>',
      reason: expect.stringMatching(/twiml\.example\.org is neither this server nor in TWIML_URL_ALLOWLIST/),
    });
    expect(verdict('<Connect><Stream url="ws://twiml.example.org/s"/></Connect>')).toEqual({
      element: '<Stream url>',
      reason: expect.stringMatching(/neither this server nor in TWIML_URL_ALLOWLIST/),
    });
  });

  it('then an empty hand-off URL stays on the current document (allowed), as Twilio reads it', () => {
    expect(verdict('<Redirect></Redirect>')).toBeUndefined();
    expect(verdict('<Gather action=""><Say>x</Say></Gather>')).toBeUndefined();
  });

  it('then a <Client> or <Application> is judged by its child and by its own text, never one instead of the other', () => {
    expect(verdict('<Dial><Client><Identity>agent-1</Identity></Client></Dial>')).toBeUndefined();
    expect(verdict('<Dial><Client>evil<Identity>agent-1</Identity></Client></Dial>')).toEqual({
      element: '<Client>',
      reason: 'not in CLIENT_ALLOWLIST',
    });
    expect(verdict('<Dial><Application>APevil<ApplicationSid>AP0123</ApplicationSid></Application></Dial>')).toEqual({
      element: '<Application>',
      reason: 'not in APPLICATION_ALLOWLIST',
    });
  });

  it('then only the `to` of a <Message> or <Sms> is a number: its action and other attributes are not', () => {
    expect(
      policy.check('<Response><Message to="+15551234567" action="/sent" method="POST">x</Message></Response>', OWN),
    ).toBeUndefined();
    expect(verdict('<Sms to="+15551234567" action="/sent" statusCallback="/status">x</Sms>')).toBeUndefined();
  });
});

describe('when nothing beyond numbers is configured', () => {
  const bare = egressPolicyFromConfig(testConfig({ OUTBOUND_ALLOWLIST: '+1555*' }));
  it.each([
    ['<Dial><Sip>sip:a@pbx.example.com</Sip></Dial>', /no SIP_ALLOWLIST/],
    ['<Dial><Client>a</Client></Dial>', /no CLIENT_ALLOWLIST/],
    ['<Dial><Conference>c</Conference></Dial>', /no CONFERENCE_ALLOWLIST/],
    ['<Dial><Queue>q</Queue></Dial>', /no QUEUE_ALLOWLIST/],
    ['<Dial><Sim>s</Sim></Dial>', /no SIM_ALLOWLIST/],
    ['<Dial><Application>a</Application></Dial>', /no APPLICATION_ALLOWLIST/],
    ['<Redirect>https://twiml.example.org/x</Redirect>', /nor in TWIML_URL_ALLOWLIST/],
  ])('then %s is refused', (body, reason) => {
    expect(bare.check(`<Response>${body}</Response>`, OWN)?.reason).toMatch(reason);
  });

  it('then without OUTBOUND_ALLOWLIST no number at all passes', () => {
    const none = egressPolicyFromConfig(testConfig());
    expect(none.check('<Response><Dial>+15551234567</Dial></Response>', OWN)?.reason).toBe('no OUTBOUND_ALLOWLIST');
  });
});

describe('when a template is checked for its static content', () => {
  const root = (xml: string) => {
    const read = readTwiml(xml);
    if (!read.ok) throw new Error(read.message);
    return read.root;
  };
  it('then empty destinations are slots, and anything written out is judged', () => {
    for (const slot of [
      '<Dial></Dial>',
      '<Dial><Number></Number></Dial>',
      '<Dial><Sip></Sip></Dial>',
      '<Dial><Client></Client></Dial>',
      '<Dial><Conference></Conference></Dial>',
      '<Message to="">x</Message>',
      '<Message to="  ">x</Message>',
    ])
      expect(policy.checkElement(root(`<Response>${slot}</Response>`), OWN, { emptyIsSlot: true })).toBeUndefined();
    expect(
      policy.checkElement(root('<Response><Dial>+447700900123</Dial></Response>'), OWN, { emptyIsSlot: true }),
    ).toEqual({ element: '<Dial>', reason: 'not in OUTBOUND_ALLOWLIST' });
    for (const [written, element, reason] of [
      ['<Dial><Conference>other-room</Conference></Dial>', '<Conference>', 'not in CONFERENCE_ALLOWLIST'],
      ['<Dial><Client>alice</Client></Dial>', '<Client>', 'not in CLIENT_ALLOWLIST'],
      ['<Dial><Sip>sip:a@evil.example.com</Sip></Dial>', '<Sip>', 'SIP host evil.example.com is not in SIP_ALLOWLIST'],
      ['<Message to="+447700900123">x</Message>', '<Message>', 'not in OUTBOUND_ALLOWLIST'],
    ]) {
      expect(policy.checkElement(root(`<Response>${written}</Response>`), OWN, { emptyIsSlot: true })).toEqual({
        element,
        reason,
      });
    }
    // …and the slots are no slots for a request's document.
    expect(policy.checkElement(root('<Response><Message to="">x</Message></Response>'), OWN)).toBeDefined();
  });
});

describe('sipHost and the host and name lists', () => {
  it.each([
    ['sip:alice@Example.COM', 'example.com'],
    ['sips:alice@example.com:5061;transport=tls?h=1', 'example.com'],
    ['sip:example.com', 'example.com'],
    [' sip:a@b.example. ', 'b.example'],
    ['sip:a@[::1]', undefined],
    ['sip:a@host.example:1x', undefined],
    ['sip:a@host.example:123456', undefined],
    ['sip:a@host.example:5060x', undefined],
    ['sip:a@host.example>', 'host.example'],
    ['sip:a@Host_1.example', undefined],
    ['sip:a b@example.com', undefined],
    ['sip:', undefined],
    ['tel:+15551234567', undefined],
    ['xsip:a@evil.example.com', undefined],
    ['tel:1;sip:a@evil.example.com', undefined],
  ])('then sipHost(%p) is %p', (uri, host) => {
    expect(sipHost(uri)).toBe(host);
  });

  it('then *.domain matches subdomains only, and a port entry only that port', () => {
    const hosts = createHostList(['*.example.net', 'exact.example.org', 'ported.example.org:8443']);
    expect(hosts.allows('a.example.net')).toBe(true);
    expect(hosts.allows('example.net')).toBe(false);
    expect(hosts.allows('badexample.net')).toBe(false);
    expect(hosts.allows('.example.net')).toBe(false);
    expect(hosts.allows('exact.example.org')).toBe(true);
    expect(hosts.allows('exact.example.org', '8080')).toBe(false);
    expect(hosts.allows('sub.exact.example.org')).toBe(false);
    expect(hosts.allows('ported.example.org', '8443')).toBe(true);
    expect(hosts.allows('ported.example.org')).toBe(false);
    expect(createHostList(undefined).configured).toBe(false);
  });

  it('then names match exactly (case kept) or by prefix, and never the empty name', () => {
    const names = createNameList(['agent-*', 'Boss']);
    expect(names.allows('agent-1')).toBe(true);
    expect(names.allows('Agent-1')).toBe(false);
    expect(names.allows('Boss')).toBe(true);
    expect(names.allows('boss')).toBe(false);
    expect(createNameList(['*']).allows('')).toBe(false);
    expect(createNameList(['*']).allows('x')).toBe(true);
    expect(createNameList([]).configured).toBe(false);
  });

  it('then a policy built by hand (no config) follows the same rules', () => {
    const handMade = createEgressPolicy({
      numbers: createAllowlist(['+15551234567']),
      sipDomains: createHostList([]),
      urlHosts: createHostList([]),
      clients: createNameList([]),
      conferences: createNameList([]),
      queues: createNameList([]),
      sims: createNameList([]),
      applications: createNameList([]),
    });
    expect(handMade.check('<Response><Dial>+15551234567</Dial></Response>', OWN)).toBeUndefined();
    expect(handMade.check('<Response><Dial>+15551234568</Dial></Response>', OWN)).toBeDefined();
  });
});
