// Owns what every process entry (server and CLIs) does first: load .env, validate the config once, and on a
// bad value print each problem and exit 1. The config module itself never touches the process.
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
