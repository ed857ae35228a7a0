// The jest config Stryker runs (npm run test:mutation): the whole config, limited to the suites that exercise
// the mutated security and robustness modules in process (the rest spawn processes or replay docs, which see no mutant and
// only cost time).
const base = require('./jest.config');

/** @type {import('jest').Config} */
module.exports = {
  ...base,
  testMatch: [
    '**/test/signature*.test.ts',
    '**/test/bodyReader.test.ts',
    '**/test/webhookAuth.test.ts',
    '**/test/security*.test.ts',
    '**/test/egress*.test.ts',
    '**/test/fuzz.test.ts',
    '**/test/api.test.ts',
    '**/test/units.test.ts',
    '**/test/errors.test.ts',
    '**/test/twimlets.test.ts',
    '**/test/bins.test.ts',
    '**/test/sms.routes.test.ts',
    '**/test/voice.routes.test.ts',
    '**/test/routing.test.ts',
    '**/test/oneAtATime.test.ts',
    '**/test/inbox.test.ts',
    '**/test/inbox.sessions.test.ts',
    '**/test/inbox.signIn.test.ts',
    '**/test/store.units.test.ts',
    '**/test/spool.test.ts',
    '**/test/store.poison.test.ts',
  ],
};
