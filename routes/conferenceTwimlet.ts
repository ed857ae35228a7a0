// Route for the conference twimlet (twimlets.com/conference parameters):
//   /twiml/conference — Name, Password (asked first), Moderators[] (only they start and end the conference),
//   Music (a genre played by our holdmusic twimlet, or a URL), Message, EnableSmsNotifications (moderators
//   get an SMS when someone joins; through the outbound service, so OUTBOUND_ALLOWLIST applies)
import type { Config } from '../src/config';
import { badRequest } from '../src/http/errors';
import { callParams, listParam, param, urlParams } from '../src/http/params';
import { urlBuilder } from '../src/http/publicUrl';
import type { WebhookRoutes } from '../src/http/routing';
import { digitsOf, sayOptionsFrom, selfUrl } from '../src/http/twimletParams';
import { sendTwiml } from '../src/http/twiml';
import type { OutboundService } from '../src/services/outbound';
import { isPreview } from '../src/http/twimlPreview';
import { conferencePasswordTwimlet, conferenceTwimlet } from '../views/twimlets';

/** Twilio's hold-music buckets, by the genre names the hosted twimlet took. */
const GENRES = new Set(['ambient', 'classical', 'electronica', 'guitars', 'rock', 'soft-rock']);

export function conferenceTwimletRoutes(config: Config, outbound: OutboundService): WebhookRoutes {
  const base = config.publicBaseUrl;
  return {
    '/twiml/conference': (req, res) => {
      const params = urlParams(req);
      const call = callParams(req);
      const say = sayOptionsFrom(params, config.say);
      const name = param(params, 'Name')?.trim() || 'conference';
      if (name.length > 128) throw badRequest('Name must be at most 128 characters');
      const password = param(params, 'Password')?.trim() || undefined;
      if (password && !/^\d{1,20}$/.test(password))
        throw badRequest('Password must be digits (what a caller can key in)');
      const moderators = listParam(params, 'Moderators').map(digitsOf).filter(Boolean);
      const music = param(params, 'Music')?.trim() || undefined;
      // The wait URL is always our holdmusic twimlet, so the audio of a Music URL is played (<Play>) rather
      // than handed the call: a wait URL on another host could answer with TwiML that dials anywhere.
      let waitUrl: string | undefined;
      if (music && /^https?:\/\/\S+$/i.test(music)) {
        waitUrl = urlBuilder(req, base)(`/twiml/holdmusic?${new URLSearchParams({ 'Urls[0]': music })}`);
      } else if (music && GENRES.has(music.toLowerCase())) {
        waitUrl = urlBuilder(req, base)(`/twiml/holdmusic?Bucket=com.twilio.music.${music.toLowerCase()}`);
      } else if (music) throw badRequest(`Music must be a URL or one of: ${[...GENRES].join(', ')}`);

      const digits = param(call, 'Digits');
      if (password && digits !== password) {
        const own: Array<[string, string]> = Object.entries(params)
          .filter(
            ([k]) =>
              ['Name', 'Password', 'Music', 'Message', 'EnableSmsNotifications', 'Voice', 'Language'].includes(k) ||
              k.startsWith('Moderators'),
          )
          .flatMap(([k, v]) =>
            (Array.isArray(v) ? v : v === undefined ? [] : [v]).map((one) => [k, one] as [string, string]),
          );
        const actionUrl = selfUrl(req, base, '/twiml/conference', own);
        return sendTwiml(
          res,
          conferencePasswordTwimlet({ wrong: digits !== undefined, numDigits: password.length, actionUrl, say }),
        );
      }

      const caller = param(call, 'From') ?? param(call, 'Caller') ?? '';
      const isModerator = moderators.includes(digitsOf(caller));
      sendTwiml(
        res,
        conferenceTwimlet({
          name,
          message: param(params, 'Message'),
          startConferenceOnEnter: moderators.length === 0 || isModerator,
          endConferenceOnExit: isModerator,
          waitUrl,
          say,
        }),
      );
      // A preview of the route (before an outbound call is placed) has no one joining: nobody is texted.
      if (param(params, 'EnableSmsNotifications')?.toLowerCase() === 'true' && !isModerator && !isPreview(req)) {
        // Sent after answering; each moderator number still has to pass the allow-list.
        for (const moderator of listParam(params, 'Moderators')) {
          outbound
            .sendSms({ to: moderator, body: `${caller || 'Someone'} joined the conference ${name}.` })
            .catch(() => undefined);
        }
      }
    },
  };
}
