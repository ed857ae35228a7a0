// Owns the TwiML of the twimlets we host ourselves (drop-in equivalents of twimlets.com).
import twilio from 'twilio';
import { say, type SayOptions } from './say';
import { addVoicemailRecord } from './voice';
import { xmlText } from '../src/markup';

const { VoiceResponse } = twilio.twiml;

/** The twimlets' common rule: a value starting with "http" (any case) is played, anything else spoken. */
export function isAudioUrl(item: string): boolean {
  return /^http/i.test(item.trim());
}

export interface MessageTwimletInput {
  readonly items: readonly string[];
  readonly say: SayOptions;
}

/** /twiml/message: each item in order, <Play> for URLs, <Say> for text; no items → empty <Response/>. */
export function messageTwimlet(input: MessageTwimletInput): string {
  const response = new VoiceResponse();
  for (const item of input.items) sayOrPlay(response, item, input.say);
  return response.toString();
}

/** Says a message item: played when it is a URL, spoken otherwise (the twimlets' common rule). */
function sayOrPlay(
  parent: { play(url: string): unknown; say(attributes: object, text: string): unknown },
  item: string,
  options: SayOptions,
): void {
  const text = xmlText(item).trim();
  if (!text) return;
  if (isAudioUrl(text)) parent.play(text);
  else say(parent as Parameters<typeof say>[0], text, options);
}

export const TWIMLET_PHRASES = {
  refused: 'Sorry, this call cannot be connected. Goodbye.',
  restricted: 'Sorry, you are calling from a restricted number. Good bye.',
  invalidOption: "Sorry, that wasn't a valid option.",
} as const;

/** A spoken line and a hang-up: refused numbers, restricted callers. */
export function goodbyeTwimlet(text: string, options: SayOptions): string {
  const response = new VoiceResponse();
  say(response, text, options);
  response.hangup();
  return response.toString();
}

export interface DialTarget {
  readonly number: string;
  /** Fetched for the called party before the calls are joined (a whisper). */
  readonly url?: string;
}

export interface DialTwimletInput {
  readonly targets: readonly DialTarget[];
  readonly timeout: number;
  readonly callerId?: string;
  /** Absolute URL the result goes to (the twimlet itself, with Dial=true). */
  readonly actionUrl: string;
  readonly message?: string;
  readonly say: SayOptions;
}

/** forward, simulring and findme: an optional message, then one <Dial> ringing every target at once. */
export function dialTwimlet(input: DialTwimletInput): string {
  const response = new VoiceResponse();
  if (input.message) sayOrPlay(response, input.message, input.say);
  const dial = response.dial({
    action: input.actionUrl,
    method: 'POST',
    timeout: input.timeout,
    ...(input.callerId ? { callerId: input.callerId } : {}),
  });
  for (const target of input.targets) dial.number(target.url ? { url: target.url, method: 'POST' } : {}, target.number);
  return response.toString();
}

/** After a dial: hang up when connected (or with nowhere to go), else continue at the fail URL. */
export function afterDialTwimlet(connected: boolean, failUrl: string | undefined): string {
  const response = new VoiceResponse();
  if (!connected && failUrl) response.redirect({ method: 'POST' }, failUrl);
  else response.hangup();
  return response.toString();
}

export interface WhisperTwimletInput {
  /** The message item, or undefined for the default "You are receiving a call from …". */
  readonly message?: string;
  /** The caller's number, spelled out in the default message. */
  readonly from: string;
  readonly humanCheck: boolean;
  readonly actionUrl: string;
  readonly say: SayOptions;
}

/** whisper: the called party hears who is calling and presses a key to accept. */
export function whisperTwimlet(input: WhisperTwimletInput): string {
  const response = new VoiceResponse();
  // finishOnKey '': every key accepts, # included (Twilio's default '#' would end the <Gather> with no input and
  // fall through to the hang-up below).
  const gather = response.gather({ numDigits: 1, finishOnKey: '', action: input.actionUrl, method: 'POST' });
  const spelled = input.from.replace(/\S/g, '$&. ').trim();
  sayOrPlay(gather, input.message ?? `You are receiving a call from ${spelled} Press any key to accept.`, input.say);
  // No key pressed: with HumanCheck it is probably voicemail, so hang up rather than connect.
  if (input.humanCheck) response.hangup();
  return response.toString();
}

/** An empty document: the whispered call is accepted and the two parties are joined. */
export function acceptTwimlet(): string {
  return new VoiceResponse().toString();
}

export interface MenuTwimletInput {
  readonly message?: string;
  /** Keys of the options; the gather takes as many digits as the longest one. */
  readonly keys: readonly string[];
  readonly actionUrl: string;
  readonly invalidChoice: boolean;
  readonly say: SayOptions;
}

/**
 * menu: the message inside a <Gather>; after an invalid choice, an apology first; after silence, the menu
 * again (a <Redirect> to itself, as the original twimlet), until the caller chooses or hangs up.
 */
export function menuTwimlet(input: MenuTwimletInput): string {
  const response = new VoiceResponse();
  if (input.invalidChoice) say(response, TWIMLET_PHRASES.invalidOption, input.say);
  const numDigits = Math.max(1, ...input.keys.map((k) => k.length));
  const gather = response.gather({ numDigits, action: input.actionUrl, method: 'POST' });
  if (input.message) sayOrPlay(gather, input.message, input.say);
  response.redirect({ method: 'POST' }, input.actionUrl);
  return response.toString();
}

export const TWIMLET_VOICEMAIL = {
  greeting: 'Please leave a message after the beep.',
  thanks: 'Thank you for your message. Goodbye.',
  nothing: 'We did not receive a message. Goodbye.',
} as const;

export interface VoicemailTwimletInput {
  /** Played (URL) or spoken before the beep; a default when absent. */
  readonly message?: string;
  readonly transcribe: boolean;
  /** Undefined: Twilio's own limit (3600 s), as the original twimlet. */
  readonly maxLength?: number;
  readonly actionUrl: string;
  readonly transcribeCallbackUrl: string;
  readonly say: SayOptions;
}

/** voicemail: the greeting, then <Record>; past the record only on older Twilio, when nothing was recorded. */
export function voicemailTwimlet(input: VoicemailTwimletInput): string {
  const response = new VoiceResponse();
  sayOrPlay(response, input.message ?? TWIMLET_VOICEMAIL.greeting, input.say);
  addVoicemailRecord(response, input);
  say(response, TWIMLET_VOICEMAIL.nothing, input.say);
  response.hangup();
  return response.toString();
}

export interface HoldMusicTwimletInput {
  readonly tracks: readonly string[];
  /** Said (or played) after every track. */
  readonly message?: string;
  /** Absolute URL of this twimlet with its parameters: the loop. */
  readonly loopUrl: string;
  readonly say: SayOptions;
}

/** holdmusic: every track with the message after each, then loop; without tracks, a short hold. */
export function holdMusicTwimlet(input: HoldMusicTwimletInput): string {
  const response = new VoiceResponse();
  for (const track of input.tracks) {
    response.play(track);
    if (input.message) sayOrPlay(response, input.message, input.say);
  }
  if (input.tracks.length === 0) {
    say(response, input.message ?? 'Please hold.', input.say);
    response.pause({ length: 10 });
  }
  response.redirect({ method: 'POST' }, input.loopUrl);
  return response.toString();
}

export interface ConferencePasswordInput {
  /** After a wrong pass code: an apology first. */
  readonly wrong: boolean;
  readonly numDigits: number;
  readonly actionUrl: string;
  readonly say: SayOptions;
}

/** conference, first step when a password is set: ask for the pass code. */
export function conferencePasswordTwimlet(input: ConferencePasswordInput): string {
  const response = new VoiceResponse();
  if (input.wrong) say(response, 'Sorry, that password is not correct.', input.say);
  const gather = response.gather({
    numDigits: input.numDigits,
    action: input.actionUrl,
    method: 'POST',
    finishOnKey: '#',
  });
  say(gather, 'Please enter the conference password, then press pound.', input.say);
  // Silence: ask again (the original's <Redirect/>), until the caller keys the code or hangs up.
  response.redirect({ method: 'POST' }, input.actionUrl);
  return response.toString();
}

export interface ConferenceInput {
  readonly name: string;
  readonly message?: string;
  /** False makes the caller wait (with the wait music) until a moderator joins. */
  readonly startConferenceOnEnter: boolean;
  readonly endConferenceOnExit: boolean;
  readonly waitUrl?: string;
  readonly say: SayOptions;
}

/** conference: the message, then the caller joins the named conference. */
export function conferenceTwimlet(input: ConferenceInput): string {
  const response = new VoiceResponse();
  if (input.message) sayOrPlay(response, input.message, input.say);
  response.dial().conference(
    {
      startConferenceOnEnter: input.startConferenceOnEnter,
      endConferenceOnExit: input.endConferenceOnExit,
      // GET, as Twilio advises for static audio (and as the original twimlet asked).
      ...(input.waitUrl ? { waitUrl: input.waitUrl, waitMethod: 'GET' as const } : {}),
    },
    input.name,
  );
  return response.toString();
}
