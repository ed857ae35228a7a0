// The routes the app serves, for tests that must cover every one of them.

/** Every Twilio-facing route: each must demand a valid X-Twilio-Signature. */
export const TWILIO_ROUTES = [
  '/voice',
  '/voice/menu',
  '/voice/dial-status',
  '/voice/voicemail',
  '/sms',
  '/twiml/message',
  '/twiml/echo',
  '/twiml/forward',
  '/twiml/callme',
  '/twiml/simulring',
  '/twiml/findme',
  '/twiml/whisper',
  '/twiml/menu',
  '/twiml/voicemail',
  '/twiml/holdmusic',
  '/twiml/conference',
  '/bins/hello',
  '/callbacks/call-status',
  '/callbacks/message-status',
  '/callbacks/recording',
  '/callbacks/transcription',
] as const;

/** Unsigned GET routes for people and probes. */
export const PROBE_ROUTES = ['/', '/healthz', '/readyz'] as const;

export const ALL_ROUTES = [...PROBE_ROUTES, ...TWILIO_ROUTES] as const;
