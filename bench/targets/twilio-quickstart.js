// Benchmark target (c): the shape of Twilio's Node quickstart: express.urlencoded, twilio.webhook() checking
// the signature, and a VoiceResponse built on every request (the same document our /voice answers).
'use strict';
const express = require('express');
const twilio = require('twilio');
const { port, authToken, origin, GREETING, MENU_PROMPT } = require('./shared');

const app = express();
app.use(express.urlencoded({ extended: false }));
app.post('/voice', twilio.webhook(authToken), (_req, res) => {
  const twiml = new twilio.twiml.VoiceResponse();
  twiml.say(GREETING);
  for (let i = 0; i < 2; i++) {
    const gather = twiml.gather({
      input: ['dtmf', 'speech'],
      numDigits: 1,
      action: `${origin}/voice/menu`,
      method: 'POST',
      timeout: 5,
      speechTimeout: 'auto',
      hints: 'one, two, three, operator, person, voicemail, message, repeat',
    });
    gather.say(MENU_PROMPT);
  }
  twiml.say('We did not receive a choice. Goodbye.');
  twiml.hangup();
  res.type('text/xml');
  res.send(twiml.toString());
});
app.listen(port, '127.0.0.1');
