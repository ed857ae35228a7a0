// Route for the holdmusic twimlet (twimlets.com/holdmusic parameters), used as a queue's or a conference's
// wait URL:
//   /twiml/holdmusic — Bucket (a public S3-compatible bucket) or Urls[], Message between tracks; loops
import type { Config } from '../../src/config';
import { badRequest } from '../../src/http/errors';
import { listParam, param } from '../../src/http/params';
import type { WebhookRoutes } from '../../src/http/routing';
import { callEvents } from '../../src/twilio/webhookEvents';
import { selfUrl, twimletView } from '../../src/http/twimletParams';
import { BUCKET_NAME, shuffled, type HoldMusicSource } from '../../src/services/holdMusic';
import { holdMusicTwimlet } from '../../views/twimlets';

export function holdMusicTwimletRoutes(config: Config, source: HoldMusicSource): WebhookRoutes {
  return {
    '/twiml/holdmusic': {
      events: callEvents,
      twiml: twimletView(config.say, async ({ req, params, say }) => {
        // S3 host names are case-insensitive: "com.twilio.music.Classical" is the same bucket.
        const bucket = param(params, 'Bucket')?.trim().toLowerCase();
        const urls = listParam(params, 'Urls')
          .map((u) => u.trim())
          .filter((u) => /^https?:\/\/\S+$/i.test(u));
        if (!bucket && urls.length === 0) throw badRequest('Bucket or Urls[] is required');
        if (bucket && !BUCKET_NAME.test(bucket))
          throw badRequest('Bucket must be an S3 bucket name such as com.twilio.music.classical');
        const message = param(params, 'Message')?.trim() || undefined;
        const tracks = bucket ? ((await source.tracks(bucket, req.log)) ?? []) : urls;
        const own: Array<[string, string]> = [
          ...(bucket
            ? [['Bucket', bucket] as [string, string]]
            : urls.map((u, i) => [`Urls[${i}]`, u] as [string, string])),
          ...(message ? [['Message', message] as [string, string]] : []),
        ];
        return holdMusicTwimlet({
          tracks: shuffled(tracks),
          message,
          loopUrl: selfUrl(req, config.publicBaseUrl, '/twiml/holdmusic', own),
          say: say,
        });
      }),
    },
  };
}
