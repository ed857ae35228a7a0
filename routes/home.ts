// GET / — the server's front page (not Twilio-facing, never signed): HTML for a browser, JSON when the client asks
// for JSON (curl -H 'Accept: application/json'); both from views/home.ts.
import type { RequestHandler } from 'express';
import { home, homePage, type HomeFacts } from '../views/home';

export interface HomeSettings {
  readonly version: string;
  readonly publicBaseUrl: string | undefined;
  readonly inboxOn: boolean;
  readonly production: boolean;
}

export function homeHandler(settings: HomeSettings): RequestHandler {
  return (req, res) => {
    const facts: HomeFacts = {
      version: settings.version,
      origin: (settings.publicBaseUrl ?? `${req.protocol}://${req.get('host') ?? 'localhost'}`).replace(/\/+$/, ''),
      inboxOn: settings.inboxOn,
      showSimulator: !settings.production,
    };
    if (req.accepts(['html', 'json']) === 'json') return void res.json(home(facts));
    res.type('html').send(homePage(facts));
  };
}
