// Owns the TwiML of the twimlets we host ourselves (drop-in equivalents of twimlets.com).
import twilio from 'twilio';
import { say, type SayOptions } from './say';
import { xmlText } from './xmlText';

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
  for (const raw of input.items) {
    const item = xmlText(raw).trim();
    if (!item) continue;
    if (isAudioUrl(item)) response.play(item);
    else say(response, item, input.say);
  }
  return response.toString();
}
