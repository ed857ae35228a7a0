// Owns how text is spoken: one <Say> with the configured voice and language, on a response or inside a <Gather>.
import type VoiceResponse from 'twilio/lib/twiml/VoiceResponse';
import { xmlText } from '../src/markup';

export interface SayOptions {
  readonly voice?: string;
  readonly language?: string;
}

interface CanSay {
  say(attributes: VoiceResponse.SayAttributes, message: string): unknown;
}

/** Adds <Say> unless the text is blank (an empty <Say> is a Twilio error, 13520). */
export function say(parent: CanSay, raw: string | undefined, options: SayOptions): void {
  const text = raw === undefined ? '' : xmlText(raw);
  if (!text.trim()) return;
  const attributes: VoiceResponse.SayAttributes = {};
  if (options.voice) attributes.voice = options.voice as VoiceResponse.SayAttributes['voice'];
  if (options.language) attributes.language = options.language as VoiceResponse.SayAttributes['language'];
  parent.say(attributes, text);
}
