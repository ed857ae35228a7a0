// Jest runs the TypeScript tests through ts-jest, transpiling only: `npm run typecheck` (run before the
// tests by `npm test`) does the type checking once for the whole project.
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  // src, routes and views too, so Stryker (npm run test:mutation) finds the tests related to a mutated file.
  roots: ['<rootDir>/test', '<rootDir>/src', '<rootDir>/routes', '<rootDir>/views'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json' }] },
  testTimeout: 20000,
};
