// Owns the TwiML of messaging answers: one <Message> reply, or an empty <Response/> for no reply.
import twilio from 'twilio';
import { xmlText } from '../src/markup';

const { MessagingResponse } = twilio.twiml;

export function messagingTwiml(reply: string | undefined): string {
  const response = new MessagingResponse();
  const text = reply === undefined ? '' : xmlText(reply);
  if (text.trim()) response.message(text);
  return response.toString();
}
