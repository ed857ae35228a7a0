// Test configs: a valid production-like config (signatures on, a test token, a public base URL) with overrides.
import { randomBytes } from 'node:crypto';
import type { BinChecks } from '../../src/twiml/bins';
import { loadConfig, type Config } from '../../src/config';
import { egressPolicyFromConfig } from '../../src/policy/fromConfig';

/** A fresh random token per test run, in the shape of a real auth token (32 hex characters). */
export const TEST_AUTH_TOKEN = randomBytes(16).toString('hex');
export const TEST_ACCOUNT_SID = `AC${'0'.repeat(31)}1`;
export const PUBLIC_BASE = 'https://voice.example.com';

export function testEnv(overrides: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return {
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    PUBLIC_BASE_URL: PUBLIC_BASE,
    TWILIO_ACCOUNT_SID: TEST_ACCOUNT_SID,
    TWILIO_AUTH_TOKEN: TEST_AUTH_TOKEN,
    TWILIO_PHONE_NUMBER: '+15550006666',
    ...overrides,
  };
}

export function testConfig(overrides: Record<string, string | undefined> = {}): Config {
  return loadConfig(testEnv(overrides));
}

/** What loadBins checks a bin's static content with, under the test config (or one with overrides). */
export function testBinChecks(overrides: Record<string, string | undefined> = {}): BinChecks {
  const config = testConfig(overrides);
  return {
    policy: egressPolicyFromConfig(config),
    ownOrigin: PUBLIC_BASE,
    defaultCountry: config.outbound.defaultCountry,
  };
}
