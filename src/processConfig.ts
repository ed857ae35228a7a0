// Owns what every process entry (server and CLIs) does first: load .env, validate the config once, and on a
// bad value print each problem and exit 1. The config module itself never touches the process.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { config as loadDotenv } from 'dotenv';
import { ConfigError, loadConfig, type Config } from './config';

export function configOrExit(): Config {
  loadDotenv({ quiet: true });
  try {
    return loadConfig(process.env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`${err.message}\nSee .env.example for every variable and its meaning.\n`);
    process.exit(1);
  }
}

/** For --help texts: where the settings come from, as the server reads them (environment first, then .env). */
export function settingsSource(): string {
  const file = path.resolve('.env');
  return `Settings: the environment, then ${file} (${existsSync(file) ? 'found' : 'not found'}); the environment wins.`;
}
