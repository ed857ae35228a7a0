// Owns what a caller chose at the main menu, from a keypress (Digits) or from speech (SpeechResult).

export type MenuChoice = 'forward' | 'voicemail' | 'repeat';

const BY_DIGIT: Record<string, MenuChoice> = { '1': 'forward', '2': 'voicemail', '3': 'repeat' };

const BY_WORD: Record<string, MenuChoice> = {
  '1': 'forward',
  one: 'forward',
  won: 'forward',
  person: 'forward',
  operator: 'forward',
  agent: 'forward',
  someone: 'forward',
  somebody: 'forward',
  human: 'forward',
  representative: 'forward',
  speak: 'forward',
  talk: 'forward',
  forward: 'forward',
  connect: 'forward',
  '2': 'voicemail',
  two: 'voicemail',
  voicemail: 'voicemail',
  mail: 'voicemail',
  message: 'voicemail',
  record: 'voicemail',
  '3': 'repeat',
  three: 'repeat',
  repeat: 'repeat',
  again: 'repeat',
  menu: 'repeat',
  options: 'repeat',
};

/** The first recognised word wins, so "I'd like to leave a message" is voicemail. */
function choiceFromSpeech(speech: string): MenuChoice | undefined {
  const words = speech
    .toLowerCase()
    .normalize('NFKC')
    .split(/[^\p{L}\p{N}]+/u);
  for (const word of words) {
    const choice = BY_WORD[word];
    if (choice) return choice;
  }
  return undefined;
}

export function menuChoice(digits: string | undefined, speech: string | undefined): MenuChoice | undefined {
  const pressed = digits?.trim();
  if (pressed) return BY_DIGIT[pressed];
  return speech ? choiceFromSpeech(speech) : undefined;
}
