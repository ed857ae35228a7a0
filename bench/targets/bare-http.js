// Benchmark target (a): bare node:http answering the fixed TwiML string.
'use strict';
const http = require('node:http');
const { port, fixedTwiml } = require('./shared');

http
  .createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'Content-Type': 'text/xml; charset=utf-8' });
      res.end(fixedTwiml);
    });
  })
  .listen(port, '127.0.0.1');
