// Bench target: this app as built for production, with a stand-in store that keeps nothing, so that the
// bench can show what the store costs beside it (the real one is measured on SQLite and PostgreSQL).
'use strict';
const path = require('node:path');

const dist = path.resolve(__dirname, '../../dist/src');
const { createApp } = require(`${dist}/app`);
const { loadConfig } = require(`${dist}/config`);
const { createLogger } = require(`${dist}/logger`);

const nothing = async () => undefined;
const none = async () => [];
const storeOff = {
  location: 'none',
  dialect: 'sqlite',
  ready: nothing,
  apply: nothing,
  ping: nothing,
  close: nothing,
  purge: async () => ({ calls: 0, voicemails: 0, messages: 0, notifications: 0, events: 0 }),
  queries: {},
  outbox: { claimDue: none, markSent: nothing, markFailed: nothing, list: none },
};

const config = loadConfig(process.env);
createApp(config, { logger: createLogger(config.logLevel), store: storeOff }).listen(config.port);
