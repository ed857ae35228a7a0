// Owns answering a request for a voicemail's audio (the API's and the inbox's alike): Twilio's answer streamed
// through with its media headers, Range answers included; Twilio's 404 as ours, its other failures as a 502
// naming its status. The stream ends the response if Twilio's connection breaks mid-way.
import { Readable } from 'node:stream';
import type { ReadableStream } from 'node:stream/web';
import type { Response } from 'express';
import type { RecordingAudio } from '../services/recordings';

export function sendRecordingAudio(res: Response, audio: RecordingAudio): void {
  if (audio.status === 404) {
    return void res.status(404).json({ error: 'No such recording at Twilio (it may have been deleted there).' });
  }
  if (audio.status >= 400 && audio.status !== 416) {
    return void res
      .status(502)
      .json({ error: `Twilio answered ${audio.status} for the recording`, kind: 'twilio_unreachable' });
  }
  res.status(audio.status).set(audio.headers).set('Cache-Control', 'private, max-age=3600');
  if (!audio.body) return void res.end();
  const stream = Readable.fromWeb(audio.body as ReadableStream);
  stream.on('error', () => res.destroy());
  stream.pipe(res);
}
