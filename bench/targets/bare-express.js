// Benchmark target (b): bare Express 5 answering the fixed TwiML string (no body parsing, no checks).
'use strict';
const express = require('express');
const { port, fixedTwiml } = require('./shared');

const app = express();
app.post('/voice', (_req, res) => {
  res.type('text/xml').send(fixedTwiml);
});
app.listen(port, '127.0.0.1');
