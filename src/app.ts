// Owns the app factory: createApp(config) wires middleware and routers into an Express app. It never listens
// and never reads process.env, so tests build it with any config and no port.
import { errorReason } from './errorReason';
import express, { type Express } from 'express';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { BinError, loadBins, type Bin } from './twiml/bins';
import type { Config } from './config';
import { createLogger, type Logger } from './logger';
import { bodyReader } from './http/bodyReader';
import { chain, mountWebhooks, viewsOf, type TwimlView } from './http/routing';
import { errorHandler, notFound } from './middleware/errors';
import { answerErrorsAs } from './http/twimlKind';
import { requestLogging } from './middleware/requestLogging';
import { securityHeaders } from './middleware/securityHeaders';
import { twilioSignature } from './middleware/twilioSignature';
import { webhookAuthFailureLimit, webhookBasicAuth } from './middleware/webhookAuth';
import { outboundFromConfig, recordingsFromConfig } from './services/fromConfig';
import type { OutboundService } from './services/outbound';
import { createNotificationSender } from './services/notifications';
import { createComposer } from '../views/notifications';
import { createRecorder, type Recorder } from './services/recorder';
import { recordEvents } from './middleware/recordEvents';
import { stripCredentials } from './http/urlCredentials';
import { openStore, type Store } from './store/store';
import { fileSpool, memorySpool, type Spool } from './store/spool';
import { createBackgroundWork, type BackgroundWork } from './services/background';
import { createSenderBudget } from './services/senderBudget';
import { AUTO_REPLIES_PER_SENDER, SENDER_WINDOW_MS } from './messaging/senderLimits';
import { createRateLimitStores, type RateLimitStores } from './services/rateLimitStores';
import { createHoldMusicSource } from './services/holdMusic';
import { createEgressGate, egressGate } from './middleware/egressGate';
import { createCallPathCheck } from './http/callPaths';
import { createTwimlPreview } from './http/twimlPreview';
import type { EgressPolicy } from './policy/egress';
import { egressPolicyFromConfig } from './policy/fromConfig';
import { VettedTwiml } from './policy/vetted';
import { goodbyeTwimlet, TWIMLET_PHRASES } from '../views/twimlets';
import { messagingTwiml } from '../views/sms';
import { apologyTwiml } from '../views/voice';
import { appVersion } from './version';
import { apiRouter } from '../routes/api';
import { inboxRouter } from '../routes/inbox';
import { createSessions } from './inbox/sessions';
import { createLiveUpdates } from './inbox/liveUpdates';
import { randomBytes } from 'node:crypto';
import { binHandler, renderBin } from '../routes/bins';
import { callEvents } from './twilio/webhookEvents';
import { callbacksRoutes } from '../routes/callbacks';
import { healthHandler, readinessHandler } from '../routes/health';
import { homeHandler } from '../routes/home';
import { smsRoutes } from '../routes/sms';
import { twimletRoutes } from '../routes/twimlets';
import { voiceRoutes } from '../routes/voice';

export interface AppDeps {
  /** Where logs go; tests pass one that captures or discards lines. */
  readonly logger?: Logger;
  /** The outbound service; built from config (one Twilio client) when not given. */
  readonly outbound?: OutboundService;
  /** TwiML Bins; loaded (and checked) from BINS_DIR when not given. Throws BinError for a broken one. */
  readonly bins?: ReadonlyMap<string, Bin>;
  /** The store; opened from DATABASE_URL when not given (migrations run on first use). */
  readonly store?: Store;
  /** Where events wait when the store fails; the file config.database.spoolFile names when not given. */
  readonly spool?: Spool;
}

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

/** How long a webhook waits for its store write before the events go to the spool instead. */
const STORE_BUDGET_MS = 250;
/** How often the outbox looks for notifications due for another attempt. */
const OUTBOX_INTERVAL_MS = 15_000;

/** Origin static documents are checked against when PUBLIC_BASE_URL is unset (development on this machine). */
const LOCAL_ORIGIN = 'http://localhost';

/** BINS_DIR, resolved; a mistyped one would silently serve no bins: production refuses to start, development warns. */
function binsDirChecked(config: Config, logger: Logger): string {
  const binsDir = path.resolve(config.binsDir);
  if (!existsSync(binsDir)) {
    if (config.env === 'production') {
      throw new BinError(binsDir, 'BINS_DIR does not exist: create it, or point BINS_DIR at the folder of your bins');
    }
    logger.warn({ binsDir }, 'BINS_DIR does not exist: no TwiML Bins are served');
  }
  return binsDir;
}

export function createApp(config: Config, deps: AppDeps = {}): Express {
  const logger = deps.logger ?? createLogger(config.logLevel);
  const app = express();
  // The public origin as browsers and mail readers see it: PUBLIC_BASE_URL without user:password@.
  const publicOrigin = config.publicBaseUrl && stripCredentials(config.publicBaseUrl);

  app.set('trust proxy', config.trustProxy);
  // Flat keys exactly as sent (Message[0] stays "Message[0]"), the shape Twilio signs and twimlets use.
  app.set('query parser', 'simple');
  // Webhook answers are POSTed and never cached: hashing every body for an ETag buys nothing.
  app.set('etag', false);
  // helmet would remove it again on every response: never set it.
  app.disable('x-powered-by');

  // Every request: access log and security headers (one layer).
  app.use(chain(requestLogging(logger, app), securityHeaders()));

  // The store: every call, voicemail and text; events reach it through the recorder (bounded wait, spool).
  const store =
    deps.store ??
    openStore(config.database.url, {
      onIdleError: (err) => logger.error({ reason: errorReason(err) }, 'database connection lost'),
    });
  // In memory for sqlite::memory: (nothing outlives the process there anyway).
  const spool = deps.spool ?? (config.database.spoolFile ? fileSpool(config.database.spoolFile) : memorySpool());
  let kickOutbox = (): void => undefined;
  // Open inbox pages hear of every write at once (and of other instances' writes at the next poll).
  const live = createLiveUpdates(store, logger);
  const recorder: Recorder = createRecorder({
    store,
    spool,
    compose: createComposer({
      inboxOrigin: publicOrigin,
      timeZone: config.notify.timeZone,
    }),
    logger,
    budgetMs: STORE_BUDGET_MS,
    onWritten: () => {
      kickOutbox();
      live.poke();
    },
  });
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

  // Every TwiML document passes one egress policy on its way out; documents that depend only on config are
  // checked once, here (one that breaks the policy stops the start with EgressRefusedError).
  const policy: EgressPolicy = egressPolicyFromConfig(config);
  const staticTwiml = { policy, publicBaseUrl: config.publicBaseUrl };
  const origin = config.publicBaseUrl ?? LOCAL_ORIGIN;
  const gate = egressGate(
    createEgressGate({
      policy,
      publicBaseUrl: config.publicBaseUrl,
      refusedVoice: VettedTwiml.check(policy, goodbyeTwimlet(TWIMLET_PHRASES.refused, config.say), origin, 'refusal'),
      refusedMessaging: VettedTwiml.check(policy, messagingTwiml(undefined), origin, 'refusal'),
    }),
  );

  // Bodies are read only where they are used, under the size limit.
  const body = bodyReader(config.bodyLimitBytes);
  const fromTwilio = twilioSignature({
    enabled: config.validateSignatures,
    authToken: config.twilio.authToken,
    publicBaseUrl: config.publicBaseUrl,
    trustProxy: config.trustProxy,
  });
  // With user:password@ in PUBLIC_BASE_URL, Twilio must present them (HTTP authentication) before anything
  // else is read.
  const rateLimitStores: RateLimitStores = createRateLimitStores(config.redisUrl, logger);
  const challenge = config.webhookAuth
    ? [webhookAuthFailureLimit(rateLimitStores.forLimiter('webhook-auth')), webhookBasicAuth(config.webhookAuth)]
    : [];
  // Twilio-facing routes: read the body, check the signature, and answer server errors as TwiML of the kind
  // the route speaks; one layer each.
  // A call's `path` is checked by asking the route's view, in process, what it answers (src/http/callPaths.ts).
  // The views are added once the voice routes exist (the conference's needs the outbound service).
  const voiceViews = new Map<string, TwimlView>();
  const bins =
    deps.bins ??
    loadBins(binsDirChecked(config, logger), {
      policy,
      ownOrigin: origin,
      defaultCountry: config.outbound.defaultCountry,
    });
  const preview = config.publicBaseUrl
    ? createTwimlPreview({
        views: voiceViews,
        renderBin: (input) => renderBin(bins, input),
        policy,
        publicBaseUrl: config.publicBaseUrl,
        logger,
      })
    : undefined;
  const checkCallPath = preview && createCallPathCheck(preview);
  const outbound =
    deps.outbound ?? outboundFromConfig(config, logger, checkCallPath, (events) => recorder.record(events));
  app.locals[OUTBOUND] = outbound;
  const sender = createNotificationSender({
    outbox: store.outbox,
    smtpUrl: config.notify.smtpUrl,
    fromEmail: config.notify.fromEmail,
    outbound,
    logger,
    intervalMs: OUTBOX_INTERVAL_MS,
  });
  kickOutbox = () => sender.kick();
  // One source of recording audio (Twilio's media, with the account's credentials) for the API and the inbox.
  const recordings = recordingsFromConfig(config);
  app.locals[BACKGROUND] = createBackgroundWork({
    store,
    recorder,
    sender,
    rateLimitStores,
    retentionDays: config.database.retentionDays,
    live,
    logger,
  });
  const record = recordEvents(recorder, {
    operator: { emails: config.notify.emails, sms: config.notify.sms },
    forwardTo: config.voice.forwardTo,
  });
  const voiceTables = {
    ...voiceRoutes(config, staticTwiml),
    ...twimletRoutes(config, { holdMusic: createHoldMusicSource(config.holdMusicEndpoint), outbound }),
  };
  for (const [routePath, view] of viewsOf(voiceTables)) voiceViews.set(routePath, view);
  mountWebhooks(app, [gate, ...challenge, body, fromTwilio, answerErrorsAs('voice')], record, voiceTables);
  mountWebhooks(
    app,
    [gate, ...challenge, body, fromTwilio, answerErrorsAs('messaging')],
    record,
    smsRoutes(
      config,
      createSenderBudget({
        perWindow: AUTO_REPLIES_PER_SENDER,
        windowMs: SENDER_WINDOW_MS,
        store: rateLimitStores.forLimiter('auto-replies'),
      }),
    ),
  );
  mountWebhooks(app, [...challenge, body, fromTwilio], record, callbacksRoutes());
  mountWebhooks(app, [gate, ...challenge, body, fromTwilio], record, {
    '/bins/:name': { handler: binHandler(bins), events: callEvents },
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
      sessions: createSessions(
        config.inbox.sessionSecret ?? randomBytes(32).toString('hex'),
        /^https:/i.test(config.publicBaseUrl ?? ''),
        (user) => config.inbox.users.get(user),
      ),
      store,
      outbound,
      recordings,
      ourNumber: config.twilio.phoneNumber,
      limiterStore: rateLimitStores.forLimiter('inbox-sign-in'),
      live,
      logger,
      publicHost: publicOrigin ? new URL(publicOrigin).host : undefined,
    }),
  );

  app.use(notFound);
  app.use(
    errorHandler({
      voice: VettedTwiml.check(policy, apologyTwiml(config.say), origin, 'apology'),
      messaging: VettedTwiml.check(policy, messagingTwiml(undefined), origin, 'apology'),
    }),
  );
  return app;
}
