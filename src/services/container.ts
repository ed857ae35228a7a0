// Owns building everything the app serves with, once, in dependency order, as one typed container: the store and
// its spool, the recorder, live updates, the egress policy and the documents it vetted at start, the bins, the
// rate-limit stores, the outbound service (its messaging half first, then the voice routes' views, whose
// answers a call's path is checked against, then its calling half), the outbox's sender, recordings, the
// per-sender auto-reply budget, inbox sessions and the background work. No forward references: each part
// is built from the parts above it. createApp (src/app.ts) only mounts routes with them.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../config';
import { errorReason } from '../errorReason';
import { createCallPathCheck } from '../http/callPaths';
import { viewsOf, type WebhookRoutes } from '../http/routing';
import { stripCredentials } from '../http/urlCredentials';
import { createTwimlPreview } from '../http/twimlPreview';
import { createLiveUpdates, type LiveUpdates } from '../inbox/liveUpdates';
import { createSessions, type Sessions } from '../inbox/sessions';
import { createLogger, type Logger } from '../logger';
import { AUTO_REPLIES_PER_SENDER, SENDER_WINDOW_MS } from '../messaging/senderLimits';
import type { EgressPolicy } from '../policy/egress';
import { egressPolicyFromConfig } from '../policy/fromConfig';
import { createAllowlist } from '../policy/phoneNumbers';
import { VettedTwiml } from '../policy/vetted';
import { openStore, type Store } from '../store/store';
import { fileSpool, memorySpool, type Spool } from '../store/spool';
import { BinError, loadBins, type Bin } from '../twiml/bins';
import { renderBin } from '../../routes/bins';
import { twimletRoutes } from '../../routes/twimlets';
import { voiceRoutes } from '../../routes/voice';
import { createComposer } from '../../views/notifications';
import { messagingTwiml } from '../../views/sms';
import { goodbyeTwimlet, TWIMLET_PHRASES } from '../../views/twimlets';
import { apologyTwiml } from '../../views/voice';
import { createBackgroundWork, type BackgroundWork } from './background';
import { recordingsFromConfig, twilioClientFromConfig } from './fromConfig';
import { createHoldMusicSource } from './holdMusic';
import { createNotificationSender } from './notifications';
import { outboundParts, type CallPathCheck, type MessagingService, type OutboundService } from './outbound';
import { createRateLimitStores, type RateLimitStores } from './rateLimitStores';
import { createRecorder, type Recorder } from './recorder';
import type { RecordingSource } from './recordings';
import { createSenderBudget, type SenderBudget } from './senderBudget';

export interface ServiceDeps {
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

export interface Services {
  readonly logger: Logger;
  /** PUBLIC_BASE_URL without user:password@: the origin browsers and mail readers see. */
  readonly publicOrigin: string | undefined;
  readonly store: Store;
  readonly recorder: Recorder;
  readonly live: LiveUpdates;
  readonly policy: EgressPolicy;
  /** Documents that depend only on config, vetted by the egress policy at start. */
  readonly documents: {
    readonly refusedVoice: VettedTwiml;
    readonly apologyVoice: VettedTwiml;
    /** A text's answer when none is sent: after a refusal and after a failure alike. */
    readonly noReply: VettedTwiml;
  };
  readonly bins: ReadonlyMap<string, Bin>;
  readonly rateLimitStores: RateLimitStores;
  /** The voice routes and twimlets (their views are what a call's path is checked against). */
  readonly voiceTables: WebhookRoutes;
  readonly outbound: OutboundService;
  readonly recordings: RecordingSource;
  readonly autoReplies: SenderBudget;
  readonly sessions: Sessions;
  readonly background: BackgroundWork;
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

/** The outbound service given (tests), or built from config in its two halves (src/services/outbound.ts). */
function outboundInHalves(
  config: Config,
  given: OutboundService | undefined,
  recorder: Recorder,
  logger: Logger,
): { readonly messaging: MessagingService; withCalls(check: CallPathCheck | undefined): OutboundService } {
  if (given) return { messaging: given, withCalls: () => given };
  const parts = outboundParts({
    client: twilioClientFromConfig(config),
    from: config.twilio.phoneNumber,
    publicBaseUrl: config.publicBaseUrl,
    allowlist: createAllowlist(config.outbound.allowlist),
    record: (events) => recorder.record(events),
    defaultCountry: config.outbound.defaultCountry,
    timeoutMs: config.twilioApi.timeoutMs,
    logger,
  });
  return { messaging: parts.messaging, withCalls: (check) => ({ ...parts.messaging, ...parts.callingWith(check) }) };
}

export function createServices(config: Config, deps: ServiceDeps = {}): Services {
  const logger = deps.logger ?? createLogger(config.logLevel);
  const publicOrigin = config.publicBaseUrl && stripCredentials(config.publicBaseUrl);
  const origin = config.publicBaseUrl ?? LOCAL_ORIGIN;

  // The store: every call, voicemail and text; events reach it through the recorder (bounded wait, spool).
  const store =
    deps.store ??
    openStore(config.database.url, {
      onIdleError: (err) => logger.error({ reason: errorReason(err) }, 'database connection lost'),
    });
  // In memory for sqlite::memory: (nothing outlives the process there anyway).
  const spool = deps.spool ?? (config.database.spoolFile ? fileSpool(config.database.spoolFile) : memorySpool());
  const recorder = createRecorder({
    store,
    spool,
    compose: createComposer({ inboxOrigin: publicOrigin, timeZone: config.notify.timeZone }),
    logger,
    budgetMs: STORE_BUDGET_MS,
  });
  // Open inbox pages hear of every write at once (and of other instances' writes at the next poll).
  const live = createLiveUpdates(store, logger);
  recorder.whenWritten(() => live.poke());

  // Every TwiML document passes one egress policy on its way out; documents that depend only on config are
  // checked once, here (one that breaks the policy stops the start with EgressRefusedError).
  const policy = egressPolicyFromConfig(config);
  const vetted = (doc: string, where: string) => VettedTwiml.check(policy, doc, origin, where);
  const documents = {
    refusedVoice: vetted(goodbyeTwimlet(TWIMLET_PHRASES.refused, config.say), 'refusal'),
    apologyVoice: vetted(apologyTwiml(config.say), 'apology'),
    noReply: vetted(messagingTwiml(undefined), 'no reply'),
  };
  const bins =
    deps.bins ??
    loadBins(binsDirChecked(config, logger), {
      policy,
      ownOrigin: origin,
      defaultCountry: config.outbound.defaultCountry,
    });
  const rateLimitStores = createRateLimitStores(config.redisUrl, logger);

  // The outbound service: texts first (the conference twimlet sends them), then the routes, then calls, whose
  // `path` is checked by asking the route's view what it answers (src/http/callPaths.ts).
  const outboundService = outboundInHalves(config, deps.outbound, recorder, logger);
  const voiceTables: WebhookRoutes = {
    ...voiceRoutes(config, { policy, publicBaseUrl: config.publicBaseUrl }),
    ...twimletRoutes(config, {
      holdMusic: createHoldMusicSource(config.holdMusicEndpoint),
      outbound: outboundService.messaging,
    }),
  };
  const preview =
    config.publicBaseUrl &&
    createTwimlPreview({
      views: viewsOf(voiceTables),
      renderBin: (input) => renderBin(bins, input),
      policy,
      publicBaseUrl: config.publicBaseUrl,
      logger,
    });
  const outbound = outboundService.withCalls(preview ? createCallPathCheck(preview) : undefined);

  const sender = createNotificationSender({
    outbox: store.outbox,
    smtpUrl: config.notify.smtpUrl,
    fromEmail: config.notify.fromEmail,
    outbound,
    logger,
    intervalMs: OUTBOX_INTERVAL_MS,
  });
  recorder.whenWritten(() => sender.kick());

  return {
    logger,
    publicOrigin,
    store,
    recorder,
    live,
    policy,
    documents,
    bins,
    rateLimitStores,
    voiceTables,
    outbound,
    // One source of recording audio (Twilio's media, with the account's credentials) for the API and the inbox.
    recordings: recordingsFromConfig(config),
    autoReplies: createSenderBudget({
      perWindow: AUTO_REPLIES_PER_SENDER,
      windowMs: SENDER_WINDOW_MS,
      store: rateLimitStores.forLimiter('auto-replies'),
    }),
    sessions: createSessions(
      config.inbox.sessionSecret ?? randomBytes(32).toString('hex'),
      /^https:/i.test(config.publicBaseUrl ?? ''),
      (user) => config.inbox.users.get(user),
    ),
    background: createBackgroundWork({
      store,
      recorder,
      sender,
      rateLimitStores,
      retentionDays: config.database.retentionDays,
      live,
      logger,
    }),
  };
}
