// The jest config of npm run test:mutation:robustness: the focused suites of the robustness modules (routing, the
// sign-in decision, sessions, the spool, one-run-at-a-time), so each mutant runs in seconds. The app-level suites
// that also use them run in CI and under npm run test:mutation.
const base = require('./jest.config');

/** @type {import('jest').Config} */
module.exports = {
  ...base,
  testMatch: [
    '**/test/routing.test.ts',
    '**/test/voice.routes.test.ts',
    '**/test/sms.routes.test.ts',
    '**/test/oneAtATime.test.ts',
    '**/test/inbox.sessions.test.ts',
    '**/test/inbox.signIn.test.ts',
    '**/test/spool.test.ts',
    '**/test/store.units.test.ts',
  ],
};
