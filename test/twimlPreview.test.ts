// The API's preview of a path, alone: it asks the route's view with an input built as Twilio's request would be
// (no HTTP, no middleware), and reports what the egress policy and the dial guard say of the answer.
import { HttpError } from '../src/http/errors';
import { NO_CONTENT, type TwimlView } from '../src/http/routing';
import { createTwimlPreview } from '../src/http/twimlPreview';
import type { WebhookInput } from '../src/http/webhookInput';
import { egressPolicyFromConfig } from '../src/policy/fromConfig';
import { testConfig } from './support/config';
import { captureLogs } from './support/logs';

const BASE = 'https://voice.example.com';
const CALL = { CallSid: `CA${'0'.repeat(32)}`, From: '+15550001111', To: '+15551234567' };
const dial = (number: string) =>
  `<?xml version="1.0" encoding="UTF-8"?><Response><Dial><Number>${number}</Number></Dial></Response>`;

function previewWith(views: Record<string, TwimlView>) {
  const inputs: WebhookInput[] = [];
  const logs = captureLogs();
  const record =
    (view: TwimlView): TwimlView =>
    (input) => (inputs.push(input), view(input));
  const preview = createTwimlPreview({
    views: new Map(Object.entries(views).map(([path, view]) => [path, record(view)])),
    renderBin: (input) => (inputs.push(input), { twiml: dial('+15557770000') }),
    policy: egressPolicyFromConfig(testConfig({ OUTBOUND_ALLOWLIST: '+1555*' })),
    publicBaseUrl: BASE,
    logger: logs.logger,
  });
  return { preview, inputs, logs };
}

describe('when the API previews a path before placing a call', () => {
  it('then the view gets a POST with the path’s query parsed as the app parses it, the call as its body, marked a preview', async () => {
    const { preview, inputs } = previewWith({ '/twiml/findme': () => dial('+15551234567') });
    const result = await preview('/twiml/findme?PhoneNumbers%5B0%5D=%2B15551234567&Message=hi', CALL);
    expect(result).toEqual({ kind: 'twiml', body: dial('+15551234567') });
    expect(inputs[0]).toMatchObject({
      method: 'POST',
      path: '/twiml/findme',
      originalUrl: '/twiml/findme?PhoneNumbers%5B0%5D=%2B15551234567&Message=hi',
      query: { 'PhoneNumbers[0]': '+15551234567', Message: 'hi' },
      body: CALL,
      protocol: 'https',
      host: 'voice.example.com',
      preview: true,
    });
  });

  it('then a path that is no voice route of ours is unknown, and a view is never asked', async () => {
    const { preview, inputs } = previewWith({ '/voice': () => dial('+15551234567') });
    for (const path of ['/sms', '/api/calls', '/voice/', '/bins/', '/bins/-x']) {
      expect(await preview(path, CALL)).toEqual({ kind: 'unknown-route' });
    }
    expect(inputs).toEqual([]);
  });

  it('then what the egress policy or the dial guard refuses is reported refused, naming the element', async () => {
    const { preview } = previewWith({
      '/dials-abroad': () => dial('+442079460000'),
      '/guarded': (input) => (input.onRefusal?.({ element: '<Number>', reason: 'not allowed' }), dial('+15551234567')),
    });
    expect(await preview('/dials-abroad', CALL)).toMatchObject({ kind: 'refused', refusal: { element: '<Number>' } });
    expect(await preview('/guarded', CALL)).toEqual({
      kind: 'refused',
      refusal: { element: '<Number>', reason: 'not allowed' },
    });
  });

  it('then bad input, a failure and no document are not TwiML, each with its reason (a failure logged without the call)', async () => {
    const { preview, logs } = previewWith({
      '/bad': () => {
        throw new HttpError(400, 'PhoneNumber is required');
      },
      '/broken': async () => {
        throw new Error(`boom for ${CALL.From}`);
      },
      '/silent': () => NO_CONTENT,
    });
    expect(await preview('/bad', CALL)).toEqual({
      kind: 'not-twiml',
      status: 400,
      reason: 'answers 400: PhoneNumber is required',
    });
    expect(await preview('/broken', CALL)).toEqual({
      kind: 'not-twiml',
      status: 500,
      reason: 'answers 500: internal error',
    });
    expect(await preview('/silent', CALL)).toEqual({ kind: 'not-twiml', status: 204, reason: 'answers 204' });
    expect(logs.entries().some((e) => e.msg === 'preview of a route failed')).toBe(true);
    expect(logs.text()).not.toContain(CALL.From);
  });

  it('then a bin is rendered for the name in its path', async () => {
    const { preview, inputs } = previewWith({});
    expect(await preview('/bins/Hello_1?x=1', CALL)).toEqual({ kind: 'twiml', body: dial('+15557770000') });
    expect(inputs[0]?.params).toEqual({ name: 'Hello_1' });
  });
});
