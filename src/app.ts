// Owns the app factory: createApp(config) builds the services (src/services/container.ts) and mounts the routes
// on an Express app with them, in the order requests meet them. It never listens and never reads process.env,
// so tests build it with any config and no port.
import express, { type Express } from 'express';
import type { Config } from './config';
import { bodyReader } from './http/bodyReader';
import { chain, mountWebhooks } from './http/routing';
import { answerErrorsAs } from './http/twimlKind';
import { createEgressGate, egressGate } from './middleware/egressGate';
import { errorHandler, notFound } from './middleware/errors';
import { recordEvents } from './middleware/recordEvents';
import { requestLogging } from './middleware/requestLogging';
import { securityHeaders } from './middleware/securityHeaders';
import { twilioSignature } from './middleware/twilioSignature';
import { webhookAuthFailureLimit, webhookBasicAuth } from './middleware/webhookAuth';
import type { BackgroundWork } from './services/background';
import { createServices, type ServiceDeps } from './services/container';
import type { OutboundService } from './services/outbound';
import { callEvents } from './twilio/webhookEvents';
import { appVersion } from './version';
import { apiRouter } from '../routes/api';
import { binHandler } from '../routes/bins';
import { callbacksRoutes } from '../routes/callbacks';
import { healthHandler, readinessHandler } from '../routes/health';
import { homeHandler } from '../routes/home';
import { inboxRouter } from '../routes/inbox';
import { smsRoutes } from '../routes/sms';

export type AppDeps = ServiceDeps;

const OUTBOUND = 'outbound';
const BACKGROUND = 'background';

/** The timers the process entry starts after listening and stops at shutdown (outbox, spool, retention). */
export function backgroundOf(app: Express): BackgroundWork {
  return app.locals[BACKGROUND] as BackgroundWork;
}

/** The outbound service the app was built with (the CLIs place calls through it, with the same checks). */
export function outboundOf(app: Express): OutboundService {
  return app.locals[OUTBOUND] as OutboundService;
}

export function createApp(config: Config, deps: AppDeps = {}): Express {
  const services = createServices(config, deps);
  const { logger, store, recorder, policy, documents, rateLimitStores, outbound, recordings, publicOrigin } = services;
  const app = express();
  app.locals[OUTBOUND] = outbound;
  app.locals[BACKGROUND] = services.background;

  app.set('trust proxy', config.trustProxy);
  // Flat keys exactly as sent (Message[0] stays "Message[0]"), the shape Twilio signs and twimlets use.
  app.set('query parser', 'simple');
  // Webhook answers are POSTed and never cached: hashing every body for an ETag buys nothing.
  app.set('etag', false);
  // helmet would remove it again on every response: never set it.
  app.disable('x-powered-by');

  // Every request: access log and security headers (one layer).
  app.use(chain(requestLogging(logger, app), securityHeaders()));
  app.get('/healthz', healthHandler(appVersion(), recorder));
  app.get('/readyz', readinessHandler(store, recorder));
  app.get(
    '/',
    homeHandler({
      version: appVersion(),
      publicBaseUrl: publicOrigin,
      inboxOn: config.inbox.users.size > 0,
      production: config.env === 'production',
    }),
  );

  // Twilio-facing routes, one layer each before the route: the egress gate (every TwiML document passes the
  // policy on its way out), HTTP authentication when PUBLIC_BASE_URL carries user:password@ (before anything else
  // is read), the body (read only where used, under the size limit), the signature, failures answered as TwiML of
  // the route's kind, and the recording of the route's own events.
  const gate = egressGate(
    createEgressGate({
      policy,
      publicBaseUrl: config.publicBaseUrl,
      refusedVoice: documents.refusedVoice,
      refusedMessaging: documents.noReply,
    }),
  );
  const body = bodyReader(config.bodyLimitBytes);
  const fromTwilio = twilioSignature({
    enabled: config.validateSignatures,
    authToken: config.twilio.authToken,
    publicBaseUrl: config.publicBaseUrl,
    trustProxy: config.trustProxy,
  });
  const challenge = config.webhookAuth
    ? [webhookAuthFailureLimit(rateLimitStores.forLimiter('webhook-auth')), webhookBasicAuth(config.webhookAuth)]
    : [];
  const record = recordEvents(recorder, {
    operator: { emails: config.notify.emails, sms: config.notify.sms },
    forwardTo: config.voice.forwardTo,
  });
  mountWebhooks(app, [gate, ...challenge, body, fromTwilio, answerErrorsAs('voice')], record, services.voiceTables);
  mountWebhooks(
    app,
    [gate, ...challenge, body, fromTwilio, answerErrorsAs('messaging')],
    record,
    smsRoutes(config, services.autoReplies),
  );
  mountWebhooks(app, [...challenge, body, fromTwilio], record, callbacksRoutes());
  mountWebhooks(app, [gate, ...challenge, body, fromTwilio], record, {
    '/bins/:name': { handler: binHandler(services.bins), events: callEvents },
  });

  app.use(
    '/api',
    body,
    apiRouter({
      token: config.api.token,
      rateLimitPerMinute: config.api.rateLimitPerMinute,
      outbound,
      store,
      recordings,
      rateLimitStores,
    }),
  );

  // The operator's inbox: its own session cookie, never the API's token (nor the other way round).
  app.use(
    '/inbox',
    body,
    inboxRouter({
      users: config.inbox.users,
      sessions: services.sessions,
      store,
      outbound,
      recordings,
      ourNumber: config.twilio.phoneNumber,
      limiterStore: rateLimitStores.forLimiter('inbox-sign-in'),
      live: services.live,
      logger,
      publicHost: publicOrigin ? new URL(publicOrigin).host : undefined,
    }),
  );

  app.use(notFound);
  app.use(errorHandler({ voice: documents.apologyVoice, messaging: documents.noReply }));
  return app;
}
