// Owns finding hold music in a public S3-compatible bucket: the ListObjects (XML) listing, kept to .mp3 and
// .wav and .ul (μ-law, as in Twilio's own hold music buckets) files, bucket names compared lower-case (as S3
// host names resolve), cached for a few minutes per bucket. The endpoint comes from config and bucket names are
// checked, so a request cannot point the server at another host.
import { DOMParser } from '@xmldom/xmldom';
import type { Logger } from '../logger';

export const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const AUDIO = /\.(mp3|wav|ul)$/i;
const CACHE_MS = 5 * 60_000;
const MAX_CACHED_BUCKETS = 100;

export interface HoldMusicSource {
  /** The bucket's audio file URLs, or undefined when it cannot be listed (logged). */
  tracks(bucket: string, log: Logger): Promise<string[] | undefined>;
}

function keysOf(xml: string): string[] | undefined {
  try {
    const doc = new DOMParser({ onError: () => undefined }).parseFromString(xml, 'text/xml');
    if (doc.documentElement?.tagName !== 'ListBucketResult') return undefined;
    const keys: string[] = [];
    const nodes = doc.getElementsByTagName('Key');
    for (let i = 0; i < nodes.length; i++) keys.push(nodes.item(i)?.textContent ?? '');
    return keys;
  } catch {
    return undefined;
  }
}

export function createHoldMusicSource(endpoint: string, timeoutMs = 5000): HoldMusicSource {
  const cache = new Map<string, { tracks: string[]; expires: number }>();
  return {
    async tracks(name, log) {
      const bucket = name.toLowerCase();
      if (!BUCKET_NAME.test(bucket)) return undefined;
      const cached = cache.get(bucket);
      if (cached && cached.expires > Date.now()) return cached.tracks;
      const listing = `${endpoint}/${bucket}`;
      try {
        const res = await fetch(listing, { signal: AbortSignal.timeout(timeoutMs) });
        const keys = res.ok ? keysOf(await res.text()) : undefined;
        if (!keys) {
          log.warn({ bucket, status: res.status }, 'hold music bucket could not be listed');
          return undefined;
        }
        const tracks = keys
          .filter((k) => AUDIO.test(k))
          .map((k) => `${listing}/${k.split('/').map(encodeURIComponent).join('/')}`);
        if (cache.size >= MAX_CACHED_BUCKETS) cache.delete(cache.keys().next().value as string);
        cache.set(bucket, { tracks, expires: Date.now() + CACHE_MS });
        return tracks;
      } catch (err) {
        log.warn({ bucket, reason: (err as Error).name }, 'hold music bucket could not be listed');
        return undefined;
      }
    },
  };
}

/** A shuffled copy (Fisher–Yates). */
export function shuffled<T>(items: readonly T[], random: () => number = Math.random): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
  }
  return copy;
}
