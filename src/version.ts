// Owns the running version: the "version" of this package's package.json, found from here upwards
// (the same code runs from src/ under ts and from dist/src/ once built).
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

let cached: string | undefined;

export function appVersion(): string {
  if (cached) return cached;
  let dir = __dirname;
  for (let i = 0; i < 4; i++) {
    const file = path.join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'twiml-server' && pkg.version) return (cached = pkg.version);
    }
    dir = path.dirname(dir);
  }
  return (cached = 'unknown');
}
