// What every benchmark target shares: the port to listen on, the auth token, and the TwiML our /voice
// answers (built once with our own view, so every target sends the same bytes).
'use strict';
const path = require('node:path');

const port = Number(process.env.PORT);
const authToken = process.env.TWILIO_AUTH_TOKEN;
const origin = `http://127.0.0.1:${port}`;

const { menuTwiml } = require(path.resolve(__dirname, '../../dist/views/voice.js'));
const GREETING = 'Thanks for calling.';
const MENU_PROMPT =
  'To speak with someone, press 1 or say one. To leave a voicemail, press 2. To hear this message again, press 3.';
const fixedTwiml = menuTwiml({ intro: GREETING, menuPrompt: MENU_PROMPT, menuUrl: `${origin}/voice/menu`, say: {} });

module.exports = { port, authToken, origin, fixedTwiml, GREETING, MENU_PROMPT };
