// Owns the TwiML of the inbound call flow: greeting and menu, forwarding, voicemail, hang-up and apology.
// Pure functions: typed input in, TwiML string out; every URL arrives absolute from the caller.
import twilio from 'twilio';
import { say, type SayOptions } from './say';

const { VoiceResponse } = twilio.twiml;

export const PHRASES = {
  goodbye: 'We did not receive a choice. Goodbye.',
  notUnderstood: "Sorry, I didn't understand that.",
  connecting: 'Connecting you now.',
  noForwarding: 'Sorry, nobody is available to take your call.',
  forwardUnanswered: 'Sorry, nobody answered.',
  noRecording: 'We did not receive a recording. Goodbye.',
  apology: 'Sorry, something went wrong on our side. Please call again later. Goodbye.',
} as const;

/** Words Twilio's speech recognizer is told to expect at the menu. */
const MENU_HINTS = 'one, two, three, operator, person, voicemail, message, repeat';

export interface MenuInput {
  /** Spoken before the menu: the greeting, or an apology for an unrecognised choice. */
  readonly intro: string;
  readonly menuPrompt: string;
  /** Absolute URL of /voice/menu. */
  readonly menuUrl: string;
  readonly say: SayOptions;
}

/** Intro, then the menu; with no input the menu is asked once more, then goodbye and hang up. */
export function menuTwiml(input: MenuInput): string {
  const response = new VoiceResponse();
  say(response, input.intro, input.say);
  for (let attempt = 0; attempt < 2; attempt++) {
    const gather = response.gather({
      input: ['dtmf', 'speech'],
      numDigits: 1,
      action: input.menuUrl,
      method: 'POST',
      timeout: 5,
      speechTimeout: 'auto',
      hints: MENU_HINTS,
      ...(input.say.language ? { language: input.say.language as never } : {}),
    });
    say(gather, input.menuPrompt, input.say);
  }
  say(response, PHRASES.goodbye, input.say);
  response.hangup();
  return response.toString();
}

export interface ForwardInput {
  readonly forwardTo: string;
  /** Shown to the person called: the caller's own number when valid, else our number. */
  readonly callerId?: string;
  readonly timeout: number;
  /** Absolute URL of /voice/dial-status. */
  readonly dialStatusUrl: string;
  readonly say: SayOptions;
}

export function forwardTwiml(input: ForwardInput): string {
  const response = new VoiceResponse();
  say(response, PHRASES.connecting, input.say);
  const dial = response.dial({
    action: input.dialStatusUrl,
    method: 'POST',
    timeout: input.timeout,
    ...(input.callerId ? { callerId: input.callerId } : {}),
  });
  dial.number(input.forwardTo);
  return response.toString();
}

export interface VoicemailInput {
  /** Spoken before the prompt, e.g. why the call went to voicemail. */
  readonly intro?: string;
  readonly prompt: string;
  readonly maxLength: number;
  readonly transcribe: boolean;
  /** Absolute URL of /voice/voicemail (Record's action). */
  readonly actionUrl: string;
  /** Absolute URL of /callbacks/recording. */
  readonly recordingStatusUrl: string;
  /** Absolute URL of /callbacks/transcription; used when transcribe is on. */
  readonly transcribeCallbackUrl: string;
  readonly say: SayOptions;
}

export interface VoicemailRecord {
  readonly actionUrl: string;
  /** Undefined: Twilio's default (3600 s). */
  readonly maxLength?: number;
  readonly transcribe: boolean;
  readonly transcribeCallbackUrl: string;
  readonly recordingStatusUrl?: string;
}

/** The voicemail <Record>: a beep, # to finish, the action, and optionally transcription and status. */
export function addVoicemailRecord(response: InstanceType<typeof VoiceResponse>, record: VoicemailRecord): void {
  response.record({
    action: record.actionUrl,
    method: 'POST',
    ...(record.maxLength !== undefined ? { maxLength: record.maxLength } : {}),
    playBeep: true,
    finishOnKey: '#',
    ...(record.recordingStatusUrl
      ? {
          recordingStatusCallback: record.recordingStatusUrl,
          recordingStatusCallbackMethod: 'POST' as const,
          recordingStatusCallbackEvent: ['completed' as const, 'absent' as const],
        }
      : {}),
    ...(record.transcribe ? { transcribe: true, transcribeCallback: record.transcribeCallbackUrl } : {}),
  });
}

export function voicemailTwiml(input: VoicemailInput): string {
  const response = new VoiceResponse();
  say(response, input.intro, input.say);
  say(response, input.prompt, input.say);
  addVoicemailRecord(response, input);
  // Twilio requests the action after every <Record> (the action decides, from RecordingDuration, whether
  // anything was said); older Twilio skipped it for an empty recording and continued here.
  say(response, PHRASES.noRecording, input.say);
  response.hangup();
  return response.toString();
}

/** A spoken line, then hang up: voicemail thanks, "no one answered" and similar endings. */
export function sayAndHangupTwiml(text: string, options: SayOptions): string {
  const response = new VoiceResponse();
  say(response, text, options);
  response.hangup();
  return response.toString();
}

export function hangupTwiml(): string {
  const response = new VoiceResponse();
  response.hangup();
  return response.toString();
}

export function redirectTwiml(url: string): string {
  const response = new VoiceResponse();
  response.redirect({ method: 'POST' }, url);
  return response.toString();
}

/** What a caller hears when our code fails: never Twilio's "application error" message. */
export function apologyTwiml(options: SayOptions): string {
  return sayAndHangupTwiml(PHRASES.apology, options);
}
