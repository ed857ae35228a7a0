// GET /: a fresh clone's first look at the server says where things are, as HTML for a browser (parsed as a
// DOM) and as JSON for curl, never the old {"error":"not found"}; production leaves the developer's command out.
import request from 'supertest';
import { createApp } from '../src/app';
import { testConfig } from './support/config';
import { parsePage } from './support/html';

describe('when someone opens the server at /', () => {
  it('then a browser gets a page naming the inbox, the health check and the command that simulates a call', async () => {
    const res = await request(createApp(testConfig({ NODE_ENV: 'development', PUBLIC_BASE_URL: undefined })))
      .get('/')
      .set('Accept', 'text/html');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    const doc = parsePage(res.text);
    const links = [...doc.querySelectorAll('a')].map((a) => a.getAttribute('href'));
    expect(links).toEqual(['/healthz']);
    expect(doc.querySelector('main')?.textContent).toMatch(/The inbox is off: set INBOX_USERS/);
    const host = res.request.url.replace(/\/$/, '');
    expect(doc.querySelector('pre code')?.textContent).toBe(
      `npm run --silent simulate -- call --url ${host}/voice --press 2`,
    );
  });

  it('then curl asking for JSON gets the same facts, with the public URL when one is set', async () => {
    const app = createApp(testConfig({ NODE_ENV: 'development' }));
    const res = await request(app).get('/').set('Accept', 'application/json');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      name: 'twiml-server',
      version: expect.any(String),
      health: 'https://voice.example.com/healthz',
      inbox: null,
      simulate: 'npm run --silent simulate -- call --url https://voice.example.com/voice --press 2',
    });
  });

  it('then production names the inbox and the health check but not the developer command', async () => {
    const res = await request(createApp(testConfig({ NODE_ENV: 'production' })))
      .get('/')
      .set('Accept', 'application/json');
    expect(res.body.simulate).toBeUndefined();
    expect(res.body.health).toBe('https://voice.example.com/healthz');
  });
});
