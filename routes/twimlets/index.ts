// The twimlets we host (drop-in equivalents of twimlets.com, same parameters), one module each. Twilio fetches
// them as a call's URL, a <Dial>'s action, a <Number>'s whisper URL or a queue's wait URL:
//   /twiml/message, /twiml/echo, /twiml/forward, /twiml/simulring, /twiml/callme, /twiml/findme,
//   /twiml/whisper, /twiml/menu, /twiml/voicemail, /twiml/holdmusic, /twiml/conference
// Every number to ring passes the toll-fraud guard (a refused one is skipped or apologised for), and every
// document passes the egress policy on its way out (src/middleware/egressGate.ts), echoed documents included.
import type { Config } from '../../src/config';
import type { WebhookRoutes } from '../../src/http/routing';
import type { HoldMusicSource } from '../../src/services/holdMusic';
import type { MessagingService } from '../../src/services/outbound';
import { createTwimletDialing } from '../../src/voice/twimletDialing';
import { conferenceTwimletRoutes } from './conference';
import { echoTwimlet } from './echo';
import { findmeTwimlet } from './findme';
import { forwardTwimlet } from './forward';
import { holdMusicTwimletRoutes } from './holdMusic';
import { menuTwimletRoute } from './menu';
import { messageTwimletRoute } from './message';
import { ringAtOnceTwimlets } from './ringAtOnce';
import { voicemailTwimletRoutes } from './voicemail';
import { whisperTwimletRoute } from './whisper';

export interface TwimletDeps {
  readonly holdMusic: HoldMusicSource;
  /** The conference's texts to its moderators. */
  readonly outbound: MessagingService;
}

export function twimletRoutes(config: Config, deps: TwimletDeps): WebhookRoutes {
  const dialing = createTwimletDialing(config);
  return {
    ...messageTwimletRoute(config),
    ...echoTwimlet(config),
    ...forwardTwimlet(config, dialing),
    ...ringAtOnceTwimlets(config, dialing),
    ...findmeTwimlet(config, dialing),
    ...whisperTwimletRoute(config),
    ...menuTwimletRoute(config),
    ...voicemailTwimletRoutes(config),
    ...holdMusicTwimletRoutes(config, deps.holdMusic),
    ...conferenceTwimletRoutes(config, deps.outbound),
  };
}
