// Owns the TwiML of messaging answers: one <Message> reply, or an empty <Response/> for no reply.
import twilio from 'twilio';

const { MessagingResponse } = twilio.twiml;

export function messagingTwiml(reply: string | undefined): string {
  const response = new MessagingResponse();
  if (reply && reply.trim()) response.message(reply);
  return response.toString();
}
