// The inbox's voicemails: the list (one, highlighted, when a notification links to it), its audio streamed from
// Twilio, and the listened mark.
import type { RequestHandler, Router } from 'express';
import { sendRecordingAudio } from '../../src/http/recordingAudio';
import { voicemailList } from '../../views/inbox';
import type { InboxOptions, Render } from './common';

export function voicemailRoutes(router: Router, options: InboxOptions, render: Render, csrf: RequestHandler): void {
  const { store } = options;
  router.get(['/voicemails', '/voicemails/:id'], async (req, res) => {
    const { items } = await store.queries.listVoicemails({ limit: 200 });
    // A notification's link names one voicemail: it is shown (first, if older than the page) and highlighted.
    const param = String(req.params.id ?? '');
    const id = /^\d{1,15}$/.test(param) ? Number(param) : undefined;
    const linked =
      id === undefined || items.some((v) => v.id === id) ? undefined : await store.queries.getVoicemail(id);
    const shown = linked ? [linked, ...items] : items;
    await render(res, 'voicemails', 'Voicemails · Inbox', voicemailList(shown, options.ourNumber, id));
  });

  router.get('/voicemails/:id/audio', async (req, res) => {
    const id = Number(req.params.id);
    const voicemail = Number.isSafeInteger(id) ? await store.queries.getVoicemail(id) : undefined;
    if (!voicemail) return void res.status(404).json({ error: 'No such voicemail.' });
    sendRecordingAudio(res, await options.recordings.fetch(voicemail.recordingSid, req.get('range')));
  });

  router.post('/voicemails/:id/listened', csrf, async (req, res) => {
    const id = Number(req.params.id);
    const found = Number.isSafeInteger(id) && (await store.queries.markListened(id, new Date().toISOString()));
    res.status(found ? 204 : 404).end();
  });
}
