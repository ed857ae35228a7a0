// Owns the app factory: createApp(config) wires middleware and routers into an Express app. It never listens
// and never reads process.env, so tests build it with any config and no port.
import express, { type Express } from 'express';
import helmet from 'helmet';
import type { Config } from './config';
import { createLogger, type Logger } from './logger';
import { keepRawBody } from './http/rawBody';
import { errorHandler, notFound } from './middleware/errors';
import { requestLogging } from './middleware/requestLogging';
import { twilioSignature } from './middleware/twilioSignature';
import { outboundFromConfig } from './services/fromConfig';
import type { OutboundService } from './services/outbound';
import { appVersion } from './version';
import { apiRouter } from '../routes/api';
import { callbacksRouter } from '../routes/callbacks';
import { healthRouter } from '../routes/health';
import { smsRouter } from '../routes/sms';
import { twimlRouter } from '../routes/twiml';
import { voiceRouter } from '../routes/voice';

export interface AppDeps {
  /** Where logs go; tests pass one that captures or discards lines. */
  readonly logger?: Logger;
  /** The outbound service; built from config (one Twilio client) when not given. */
  readonly outbound?: OutboundService;
}

export function createApp(config: Config, deps: AppDeps = {}): Express {
  const logger = deps.logger ?? createLogger(config.logLevel);
  const app = express();

  app.set('trust proxy', config.trustProxy);
  // Flat keys exactly as sent (Message[0] stays "Message[0]"), the shape Twilio signs and twimlets use.
  app.set('query parser', 'simple');

  app.use(requestLogging(logger));
  app.use(helmet());
  app.use(express.urlencoded({ extended: false, limit: config.bodyLimitBytes, parameterLimit: 1000 }));
  app.use(express.json({ limit: config.bodyLimitBytes, verify: keepRawBody }));

  app.use(healthRouter(appVersion()));
  app.use(
    '/api',
    apiRouter({
      token: config.api.token,
      rateLimitPerMinute: config.api.rateLimitPerMinute,
      outbound: deps.outbound ?? outboundFromConfig(config, logger),
    }),
  );

  const fromTwilio = twilioSignature({
    enabled: config.validateSignatures,
    authToken: config.twilio.authToken,
    publicBaseUrl: config.publicBaseUrl,
  });
  app.use('/voice', fromTwilio, voiceRouter(config));
  app.use('/sms', fromTwilio, smsRouter(config));
  app.use('/twiml', fromTwilio, twimlRouter(config));
  app.use('/callbacks', fromTwilio, callbacksRouter());

  app.use(notFound);
  app.use(errorHandler(config.say));
  return app;
}
