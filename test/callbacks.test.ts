// Status callbacks: signature-checked, one structured info line each, 204.
import { createApp } from '../src/app';
import { testConfig } from './support/config';
import { captureLogs } from './support/logs';
import { signedPost } from './support/signing';

function appWithLogs() {
  const logs = captureLogs();
  return { app: createApp(testConfig(), { logger: logs.logger }), logs };
}

const lineFor = (logs: ReturnType<typeof captureLogs>, kind: string) => logs.entries().find((e) => e.callback === kind);

describe('when Twilio posts a status callback', () => {
  it('then /callbacks/call-status logs sid, status, duration, error code and idempotency token, and answers 204', async () => {
    const { app, logs } = appWithLogs();
    const res = await signedPost(app, '/callbacks/call-status', {
      CallSid: 'CA0123456789abcdef0123456789abcdef',
      CallStatus: 'completed',
      CallDuration: '31',
      Direction: 'outbound-api',
      SequenceNumber: '3',
      ErrorCode: '31005',
      From: '+15551234567',
    }).set('I-Twilio-Idempotency-Token', 'idem-123');
    expect(res.status).toBe(204);
    expect(res.text).toBe('');
    const line = lineFor(logs, 'call-status');
    expect(line).toMatchObject({
      level: 30,
      callSid: 'CA0123456789abcdef0123456789abcdef',
      status: 'completed',
      duration: '31',
      direction: 'outbound-api',
      sequence: '3',
      errorCode: '31005',
      idempotencyToken: 'idem-123',
    });
    expect(JSON.stringify(line)).not.toContain('+15551234567');
  });

  it('then /callbacks/message-status logs the message sid and status', async () => {
    const { app, logs } = appWithLogs();
    const res = await signedPost(app, '/callbacks/message-status', {
      MessageSid: 'SM0123456789abcdef0123456789abcdef',
      MessageStatus: 'undelivered',
      ErrorCode: '30003',
    });
    expect(res.status).toBe(204);
    expect(lineFor(logs, 'message-status')).toMatchObject({
      messageSid: 'SM0123456789abcdef0123456789abcdef',
      status: 'undelivered',
      errorCode: '30003',
    });
  });

  it('then /callbacks/recording logs the recording sid, duration and URL', async () => {
    const { app, logs } = appWithLogs();
    const res = await signedPost(app, '/callbacks/recording', {
      RecordingSid: 'RE0123456789abcdef0123456789abcdef',
      CallSid: 'CA0123456789abcdef0123456789abcdef',
      RecordingStatus: 'completed',
      RecordingDuration: '7',
      RecordingUrl: 'https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE1',
    });
    expect(res.status).toBe(204);
    expect(lineFor(logs, 'recording')).toMatchObject({
      recordingSid: 'RE0123456789abcdef0123456789abcdef',
      status: 'completed',
      duration: '7',
      recordingUrl: 'https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE1',
    });
  });

  it('then /callbacks/transcription logs the status but not the transcript (caller content stays out of logs)', async () => {
    const { app, logs } = appWithLogs();
    const res = await signedPost(app, '/callbacks/transcription', {
      TranscriptionSid: 'TR0123456789abcdef0123456789abcdef',
      TranscriptionStatus: 'completed',
      TranscriptionText: 'my secret account number is 1234',
    });
    expect(res.status).toBe(204);
    expect(lineFor(logs, 'transcription')).toMatchObject({ status: 'completed' });
    expect(logs.text()).not.toContain('secret account number');
  });

  it('then the access log line carries the Twilio sid', async () => {
    const { app, logs } = appWithLogs();
    await signedPost(app, '/callbacks/call-status', {
      CallSid: 'CA0123456789abcdef0123456789abcdef',
      CallStatus: 'ringing',
    });
    const access = logs.entries().find((e) => e.msg === 'request completed' && e.path === '/callbacks/call-status');
    expect(access).toMatchObject({ CallSid: 'CA0123456789abcdef0123456789abcdef', status: 204, method: 'POST' });
    expect(typeof access?.responseTime).toBe('number');
  });
});
