// Route for the conference twimlet (twimlets.com/conference parameters):
//   /twiml/conference — Name (without one, a room named from Message and Moderators, as the original),
//   Password (asked first, again after silence), Moderators[] (only they start the conference; matched by
//   digits, 10-digit national or E.164, as the caller or as the number called), EndConferenceOnExit (ours:
//   a moderator leaving ends it for everyone), Music (a genre played by our holdmusic twimlet, or a URL; an
//   unknown genre leaves Twilio's default), Message (default: "You are now entering the conference line."),
//   EnableSmsNotifications (1/true: moderators get an SMS when someone joins; through the outbound service,
//   so OUTBOUND_ALLOWLIST applies)
import { createHash } from 'node:crypto';
import type { Config } from '../../src/config';
import { badRequest } from '../../src/http/errors';
import { listParam, param } from '../../src/http/params';
import { urlBuilder } from '../../src/http/publicUrl';
import type { WebhookRoutes } from '../../src/http/routing';
import { callEvents } from '../../src/twilio/webhookEvents';
import { digitsOf, selfUrl, twimletView } from '../../src/http/twimletParams';
import type { MessagingService } from '../../src/services/outbound';
import { conferencePasswordTwimlet, conferenceTwimlet } from '../../views/twimlets';

/** Twilio's hold-music buckets, by the genre names the hosted twimlet took. */
const GENRES = new Set(['ambient', 'classical', 'electronica', 'guitars', 'rock', 'soft-rock']);

const DEFAULT_MESSAGE = 'You are now entering the conference line.';

/** A number as the original compares moderators: digits only, a leading US "1" of 11 digits dropped. */
function moderatorDigits(number: string): string {
  const digits = digitsOf(number);
  return digits.length === 11 && digits.startsWith('1') ? digits.slice(1) : digits;
}

/** A flag as PHP read it: set, and neither empty nor "0" (we also take "false" as off). */
const isOn = (value: string | undefined) => {
  const v = value?.trim().toLowerCase();
  return !!v && v !== '0' && v !== 'false';
};

export function conferenceTwimletRoutes(config: Config, outbound: MessagingService): WebhookRoutes {
  const base = config.publicBaseUrl;
  return {
    '/twiml/conference': {
      events: callEvents,
      twiml: twimletView(config.say, ({ req, params, call, say }) => {
        const message = param(params, 'Message');
        const moderators = listParam(params, 'Moderators').map(moderatorDigits).filter(Boolean);
        // One room per line: without a Name, the original's md5 of Message and the moderators.
        const name =
          param(params, 'Name')?.trim() ||
          createHash('md5')
            .update((message ?? '') + moderators.join(''))
            .digest('hex');
        if (name.length > 128) throw badRequest('Name must be at most 128 characters');
        const password = param(params, 'Password')?.trim() || undefined;
        if (password && !/^\d{1,20}$/.test(password))
          throw badRequest('Password must be digits (what a caller can key in)');
        const music = param(params, 'Music')?.trim() || undefined;
        // The wait URL is always our holdmusic twimlet, so the audio of a Music URL is played (<Play>) rather
        // than handed the call: a wait URL on another host could answer with TwiML that dials anywhere.
        let waitUrl: string | undefined;
        if (music && /^https?:\/\/\S+$/i.test(music)) {
          waitUrl = urlBuilder(req, base)(`/twiml/holdmusic?${new URLSearchParams({ 'Urls[0]': music })}`);
        } else if (music && GENRES.has(music.toLowerCase())) {
          waitUrl = urlBuilder(req, base)(`/twiml/holdmusic?Bucket=com.twilio.music.${music.toLowerCase()}`);
        } else if (music) {
          req.log.warn(
            `conference: Music is neither a URL nor one of ${[...GENRES].join(', ')}; Twilio's default plays`,
          );
        }

        const digits = call.Digits;
        if (password && digits !== password) {
          const own: Array<[string, string]> = Object.entries(params)
            .filter(
              ([k]) =>
                [
                  'Name',
                  'Password',
                  'Music',
                  'Message',
                  'EnableSmsNotifications',
                  'EndConferenceOnExit',
                  'Voice',
                  'Language',
                ].includes(k) || k.startsWith('Moderators'),
            )
            .flatMap(([k, v]) =>
              (Array.isArray(v) ? v : v === undefined ? [] : [v]).map((one) => [k, one] as [string, string]),
            );
          const actionUrl = selfUrl(req, base, '/twiml/conference', own);
          return conferencePasswordTwimlet({ wrong: digits !== undefined, numDigits: password.length, actionUrl, say });
        }

        const caller = call.From ?? call.Caller ?? '';
        const called = call.To ?? call.Called ?? '';
        // The moderator may be the caller, or (an outbound call placed to the moderator) the number called.
        const isModerator = [caller, called].some((n) => n && moderators.includes(moderatorDigits(n)));
        // A preview of the route (before an outbound call is placed) has no one joining: nobody is texted.
        if (isOn(param(params, 'EnableSmsNotifications')) && !isModerator && !req.preview) {
          // Sent without waiting (the answer does not depend on it); each moderator number still has to pass the
          // allow-list.
          const body = `${caller || 'Someone'} has entered your conference. Call the number this text came from to join.`;
          for (const moderator of listParam(params, 'Moderators')) {
            outbound.sendSms({ to: moderator, body }).catch(() => undefined);
          }
        }
        return conferenceTwimlet({
          name,
          message: message?.trim() ? message : DEFAULT_MESSAGE,
          startConferenceOnEnter: moderators.length === 0 || isModerator,
          endConferenceOnExit: isModerator && isOn(param(params, 'EndConferenceOnExit')),
          waitUrl,
          say,
        });
      }),
    },
  };
}
