// Owns playing out a voice call as Twilio would: fetch the call's URL with Twilio's parameters and signature,
// run each TwiML verb (caller input, dial outcomes and recordings come from a script), follow actions and
// redirects, post signed status, recording and transcription callbacks, and keep a transcript of every step.
import { randomBytes } from 'node:crypto';
import { parseTwiml, spokenText, type TwimlElement } from '../twiml/document';
import { fetchRecorded, TWIML_CONTENT_TYPES, type Step } from './steps';
import { methodOf, sendWebhook, type Method, type WebhookParams } from './webhook';

export type { Step };

export type CallerInput =
  { readonly digits: string } | { readonly speech: string; readonly confidence?: number } | { readonly silence: true };
export type DialOutcome = 'answered' | 'busy' | 'no-answer' | 'failed';
export type QueueOutcome = 'bridged' | 'hangup';

export interface CallScript {
  /** What the caller does at each <Gather>, in order; when they run out, the caller stays silent. */
  readonly inputs?: readonly CallerInput[];
  /** How each <Dial> ends, in order; when they run out, the other party answers. */
  readonly dial?: readonly DialOutcome[];
  /** Seconds spoken at each <Record>; 0 is silence (default 5). */
  readonly recordSeconds?: number;
  /**
   * How each <Record> ends, in order: "key" (finishOnKey pressed, or the silence timeout), "hangup" (the
   * caller hangs up while recording: the action still gets Digits=hangup, then the call is over), "absent"
   * (Twilio found only silence: RecordingStatus absent, warning 16102). Default "key".
   */
  readonly recordEnds?: ReadonlyArray<'key' | 'hangup' | 'absent'>;
  /** Seconds an answered <Dial> lasts (default 30). */
  readonly dialSeconds?: number;
  /** The text a transcription callback reports. */
  readonly transcription?: string;
  /** How an <Enqueue> ends after its wait music (default bridged). */
  readonly queue?: QueueOutcome;
  /** What the called party does at a whisper (<Number url>) <Gather>, in order; silent when they run out. */
  readonly callee?: readonly CallerInput[];
}

export interface StatusCallback {
  readonly url: string;
  readonly method: Method;
  /** initiated, ringing, answered, completed. */
  readonly events: readonly string[];
}

export interface CallSpec {
  readonly url: string;
  readonly method?: Method;
  readonly from: string;
  readonly to: string;
  readonly direction?: 'inbound' | 'outbound-api' | 'outbound-dial';
  /** The caller's leg, for the called party's leg of a <Dial>. */
  readonly parentCallSid?: string;
  readonly callSid?: string;
  readonly accountSid: string;
  /** Signs every request; without it requests go unsigned. */
  readonly authToken?: string;
  readonly statusCallback?: StatusCallback;
  /** Origin of the REST API the recording and transcription URLs name (default Twilio's, https://api.twilio.com). */
  readonly apiBaseUrl?: string;
  /** Told of every recording the call makes (the REST side then serves its audio). */
  readonly onRecording?: (recordingSid: string, seconds: number) => void;
  /** Stop after this many TwiML documents (a test's cut-off; unset, only time and silence limit a call). */
  readonly maxRequests?: number;
  /**
   * Simulated seconds after which the caller hangs up (default 14400, Twilio's four-hour limit): what ends a
   * hold-music loop, or a <Say loop="0">.
   */
  readonly maxSeconds?: number;
  readonly timeoutMs?: number;
}

export type CallStatus = 'completed' | 'busy' | 'no-answer' | 'failed';

export interface CallResult {
  readonly callSid: string;
  readonly status: CallStatus;
  readonly durationSeconds: number;
  /** TwiML documents fetched. */
  readonly requests: number;
  readonly steps: readonly Step[];
  readonly error?: { readonly code?: number; readonly message: string };
}

export const newSid = (prefix: string): string => prefix + randomBytes(16).toString('hex');

const API_VERSION = '2010-04-01';
/** Twilio ends any call after four hours. */
const MAX_CALL_SECONDS = 4 * 3600;
/** Documents in a row during which the caller heard nothing: a <Redirect> loop that can only spin. */
const MAX_SILENT_DOCUMENTS = 100;

interface Goto {
  readonly url: string;
  readonly method: Method;
  readonly params?: WebhookParams;
}
type Next = 'continue' | 'end' | Goto;

/** The keys a <Gather> reports: those before the first finish key, at most numDigits. */
function keysBefore(digits: string, finishOnKey: string, numDigits: number | undefined): string {
  const stop = [...digits].findIndex((d) => finishOnKey.includes(d));
  const kept = stop >= 0 ? digits.slice(0, stop) : digits;
  return numDigits ? kept.slice(0, numDigits) : kept;
}

/** <Say loop="0"> and <Play loop="0">: Twilio repeats them until the call ends. */
const isForever = (verb: TwimlElement): boolean =>
  verb.name !== 'Pause' && verb.attrs.loop !== undefined && number(verb.attrs.loop, 1) === 0;

/** Seconds a caller would spend hearing text: about 2.5 words a second. */
const speakingSeconds = (text: string): number =>
  Math.max(1, Math.ceil(text.split(/\s+/).filter(Boolean).length / 2.5));

function truncate(text: string, max = 40): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function number(value: string | undefined, fallback: number): number {
  const n = Number(value);
  return value !== undefined && Number.isFinite(n) ? n : fallback;
}

class CallRun {
  readonly steps: Step[] = [];
  readonly callSid: string;
  private readonly inputs: CallerInput[];
  private readonly dials: DialOutcome[];
  private readonly recordEnds: Array<'key' | 'hangup' | 'absent'>;
  /** Callbacks Twilio sends only once the next document was fetched (a recording after its action). */
  private afterNextFetch: Array<() => Promise<void>> = [];
  /** The caller has hung up: the next document is fetched (Twilio still requests it) but not played. */
  private hungUp = false;
  private requests = 0;
  private silentDocuments = 0;
  private secondsAtLastFetch = -1;
  private seconds = 0;
  private answered = false;
  private sequence = 0;
  private status: CallStatus = 'completed';
  private error?: { code?: number; message: string };

  constructor(
    private readonly spec: CallSpec,
    private readonly script: CallScript,
  ) {
    this.callSid = spec.callSid ?? newSid('CA');
    this.inputs = [...(script.inputs ?? [])];
    this.dials = [...(script.dial ?? [])];
    this.recordEnds = [...(script.recordEnds ?? [])];
  }

  private get maxSeconds() {
    return this.spec.maxSeconds ?? MAX_CALL_SECONDS;
  }

  /** The caller hangs up now (the time limit, or a loop that never ends). */
  private hangUpAtLimit(): void {
    this.seconds = Math.max(this.seconds, this.maxSeconds);
    this.hungUp = true;
  }

  private get apiBase(): string {
    return (this.spec.apiBaseUrl ?? 'https://api.twilio.com').replace(/\/+$/, '');
  }

  private get direction() {
    return this.spec.direction ?? 'inbound';
  }

  private baseParams(callStatus: string): WebhookParams {
    const { from, to, accountSid } = this.spec;
    return {
      CallSid: this.callSid,
      AccountSid: accountSid,
      From: from,
      To: to,
      Caller: from,
      Called: to,
      CallStatus: callStatus,
      Direction: this.direction,
      ApiVersion: API_VERSION,
      ...(this.spec.parentCallSid ? { ParentCallSid: this.spec.parentCallSid } : {}),
    };
  }

  async run(): Promise<CallResult> {
    const outbound = this.direction === 'outbound-api';
    await this.statusEvent('initiated', 'initiated');
    await this.statusEvent('ringing', 'ringing');
    if (outbound) this.answer();
    let next: Goto | undefined = { url: this.spec.url, method: this.spec.method ?? 'POST' };
    while (next) {
      const verbs = await this.fetchDocument(next);
      for (const send of this.afterNextFetch.splice(0)) await send();
      if (!verbs || this.hungUp) break;
      next = await this.execute(verbs, next.url);
    }
    for (const send of this.afterNextFetch.splice(0)) await send();
    if (!this.answered && this.status === 'completed' && !this.error) this.answer();
    await this.statusEvent('completed', this.status, this.answered ? { CallDuration: String(this.seconds) } : {});
    return {
      callSid: this.callSid,
      status: this.status,
      durationSeconds: this.seconds,
      requests: this.requests,
      steps: this.steps,
      ...(this.error ? { error: this.error } : {}),
    };
  }

  private answer(): void {
    if (this.answered) return;
    this.answered = true;
    void this.pending.push(this.statusEvent('answered', 'in-progress'));
  }

  /** Callbacks started while something else was awaited; settled before the next step. */
  private pending: Array<Promise<void>> = [];

  private async statusEvent(event: string, callStatus: string, extra: WebhookParams = {}): Promise<void> {
    await Promise.all(this.pending.splice(0));
    const cb = this.spec.statusCallback;
    if (!cb || !cb.events.includes(event)) return;
    this.sequence += 1;
    await this.callback(`call ${event}`, cb.url, cb.method, {
      ...this.baseParams(callStatus),
      CallbackSource: 'call-progress-events',
      SequenceNumber: String(this.sequence - 1),
      Timestamp: new Date().toUTCString().replace('GMT', '+0000'),
      ...extra,
    });
  }

  /** Posts a callback (status, recording, transcription); its failure is reported, never fatal. */
  private async callback(kind: string, url: string, method: Method, params: WebhookParams): Promise<void> {
    const answer = await sendWebhook({
      url,
      method,
      params,
      authToken: this.spec.authToken,
      timeoutMs: this.spec.timeoutMs,
    });
    // answer.url: the URL as requested, without any user:password@ of the configured one.
    this.steps.push(
      answer.ok
        ? { type: 'callback', kind, url: answer.url, status: answer.status }
        : { type: 'callback', kind, url: answer.url, status: answer.status, error: `${answer.code} ${answer.message}` },
    );
  }

  private fail(code: number | undefined, message: string): undefined {
    this.error = { code, message };
    this.steps.push({ type: 'error', code, message });
    if (!this.answered) this.status = 'failed';
    return undefined;
  }

  /** Fetches a TwiML document; undefined when the call must end (error, audio, text). */
  private async fetchDocument(target: Goto): Promise<readonly TwimlElement[] | undefined> {
    await Promise.all(this.pending.splice(0));
    const limit = this.spec.maxRequests;
    if (limit !== undefined && this.requests >= limit)
      return this.fail(undefined, `Step limit: more than ${limit} TwiML requests`);
    if (this.seconds >= this.maxSeconds) {
      this.steps.push({ type: 'verb', verb: 'Hangup', detail: `the caller hangs up after ${this.maxSeconds} s` });
      return undefined;
    }
    this.silentDocuments = this.seconds > this.secondsAtLastFetch ? 0 : this.silentDocuments + 1;
    this.secondsAtLastFetch = this.seconds;
    if (this.silentDocuments > MAX_SILENT_DOCUMENTS)
      return this.fail(undefined, `Loop: ${MAX_SILENT_DOCUMENTS} TwiML documents in a row played nothing`);
    this.requests += 1;
    const answer = await fetchRecorded(
      {
        url: target.url,
        method: target.method,
        params: {
          ...this.baseParams(this.answered || this.direction !== 'inbound' ? 'in-progress' : 'ringing'),
          ...target.params,
        },
        authToken: this.spec.authToken,
        timeoutMs: this.spec.timeoutMs,
      },
      this.steps,
    );
    if (!answer.ok) return this.fail(answer.code, `${answer.message} (${target.method} ${answer.url})`);
    if (answer.contentType.startsWith('audio/')) {
      this.answer();
      this.steps.push({ type: 'verb', verb: 'Play', detail: answer.url });
      return undefined;
    }
    if (answer.contentType === 'text/plain') {
      this.answer();
      this.steps.push({ type: 'verb', verb: 'Say', detail: `"${truncate(answer.body)}"` });
      return undefined;
    }
    if (!TWIML_CONTENT_TYPES.has(answer.contentType)) {
      return this.fail(12300, `Invalid Content-Type: "${answer.contentType || 'none'}" from ${answer.url}`);
    }
    const parsed = parseTwiml(answer.body, 'voice');
    if (!parsed.ok) return this.fail(parsed.code, parsed.message);
    return parsed.verbs;
  }

  private async execute(verbs: readonly TwimlElement[], documentUrl: string): Promise<Goto | undefined> {
    for (const [index, verb] of verbs.entries()) {
      const next = await this.verb(verb, documentUrl, index === 0);
      if (next === 'end') return undefined;
      if (next !== 'continue') return next;
    }
    return undefined; // the end of a document ends the call
  }

  private goto(url: string | undefined, method: string | undefined, documentUrl: string, params?: WebhookParams): Goto {
    return { url: new URL(url || documentUrl, documentUrl).toString(), method: methodOf(method), params };
  }

  /** Say, Play and Pause: what the caller hears (also inside Gather). loop="0" repeats until hang-up. */
  private hear(verb: TwimlElement): Step {
    const forever = isForever(verb);
    const loop = forever ? 1 : Math.max(1, number(verb.attrs.loop, 1));
    const times = forever ? ' ×∞ (until the caller hangs up)' : loop > 1 ? ` ×${loop}` : '';
    if (verb.name === 'Say') {
      this.seconds += speakingSeconds(verb.text) * loop;
      const text = verb.children.length > 0 ? spokenText(verb) : verb.text;
      return { type: 'verb', verb: 'Say', detail: `"${truncate(text)}"${times}` };
    }
    if (verb.name === 'Play') {
      this.seconds += 5 * loop;
      return {
        type: 'verb',
        verb: 'Play',
        detail: `${verb.attrs.digits ? `digits ${verb.attrs.digits}` : verb.text}${times}`,
      };
    }
    const length = number(verb.attrs.length, 1);
    this.seconds += length;
    return { type: 'verb', verb: 'Pause', detail: `${length} s` };
  }

  private async verb(verb: TwimlElement, documentUrl: string, first: boolean): Promise<Next> {
    if (verb.name !== 'Reject') this.answer();
    switch (verb.name) {
      case 'Say':
      case 'Play':
      case 'Pause':
        this.steps.push(this.hear(verb));
        if (isForever(verb)) this.hangUpAtLimit();
        return this.hungUp ? 'end' : 'continue';
      case 'Gather':
        return this.gather(verb, documentUrl);
      case 'Redirect':
        this.steps.push({ type: 'verb', verb: 'Redirect', detail: verb.text });
        return this.goto(verb.text, verb.attrs.method, documentUrl);
      case 'Dial':
        return this.dial(verb, documentUrl);
      case 'Record':
        return this.record(verb, documentUrl);
      case 'Hangup':
        this.steps.push({ type: 'verb', verb: 'Hangup', detail: '' });
        return 'end';
      case 'Reject': {
        const reason = verb.attrs.reason === 'busy' ? 'busy' : 'rejected';
        this.steps.push({ type: 'verb', verb: 'Reject', detail: reason });
        if (first && !this.answered) this.status = reason === 'busy' ? 'busy' : 'no-answer';
        return 'end';
      }
      case 'Enqueue':
        return this.enqueue(verb, documentUrl);
      case 'Leave':
        this.steps.push({ type: 'verb', verb: 'Leave', detail: '(not in a queue: ignored)' });
        return 'continue';
      case 'Sms':
        return this.message(verb, documentUrl);
      default:
        this.steps.push({ type: 'verb', verb: verb.name, detail: '(not simulated)' });
        return 'continue';
    }
  }

  private async gather(verb: TwimlElement, documentUrl: string): Promise<Next> {
    const nested = verb.children.map((child) => this.hear(child));
    const accepts = (verb.attrs.input ?? 'dtmf').split(/\s+/);
    const numDigits = verb.attrs.numDigits ? number(verb.attrs.numDigits, 0) : undefined;
    const finishOnKey = verb.attrs.finishOnKey ?? '#';
    const input = this.inputs.shift() ?? { silence: true };
    let params: WebhookParams | undefined;
    let result: string;
    const pressed =
      'digits' in input && accepts.includes('dtmf') ? keysBefore(input.digits, finishOnKey, numDigits) : '';
    if ('digits' in input && pressed) {
      params = { Digits: pressed };
      result = `pressed ${input.digits}`;
    } else if ('speech' in input && accepts.includes('speech')) {
      params = { SpeechResult: input.speech, Confidence: String(input.confidence ?? 0.92) };
      result = `said "${truncate(input.speech, 30)}"`;
    } else {
      // Silence, or only the finish key (# first): Twilio counts both as no input.
      this.seconds += number(verb.attrs.timeout, 5);
      result = 'digits' in input ? `pressed ${input.digits}: no input` : 'no input';
      if (verb.children.some(isForever)) this.hangUpAtLimit();
    }
    const what = accepts.join(' ');
    const detail = `${what}${numDigits ? `, ${numDigits} digit${numDigits === 1 ? '' : 's'}` : ''}`;
    this.steps.push({ type: 'verb', verb: 'Gather', detail, result, nested });
    if (this.hungUp) return 'end';
    if (params || verb.attrs.actionOnEmptyResult === 'true') {
      return this.goto(verb.attrs.action, verb.attrs.method, documentUrl, params ?? {});
    }
    return 'continue';
  }

  private async dial(verb: TwimlElement, documentUrl: string): Promise<Next> {
    const targets =
      verb.children.length > 0
        ? verb.children.map((c) => (c.name === 'Number' ? c.text : `${c.name} ${c.text}`))
        : [verb.text];
    const outcome = this.dials.shift() ?? 'answered';
    /** Answered, but the whisper hung up (no key at a human check): Twilio reports completed, not bridged. */
    let declined = false;
    const nested: Step[] = [];
    // The first <Number> with a url answers: the called party hears that document (a whisper) first.
    const whispered = verb.children.find((c) => c.name === 'Number' && c.attrs.url);
    if (outcome === 'answered' && whispered) {
      const leg = await runCall(
        {
          url: new URL(whispered.attrs.url as string, documentUrl).toString(),
          method: methodOf(whispered.attrs.method),
          from: verb.attrs.callerId ?? this.spec.from,
          to: whispered.text,
          direction: 'outbound-dial',
          parentCallSid: this.callSid,
          accountSid: this.spec.accountSid,
          authToken: this.spec.authToken,
          timeoutMs: this.spec.timeoutMs,
        },
        { inputs: this.script.callee ?? [] },
      );
      nested.push(...leg.steps);
      // A whisper that hangs up (no key at a human check) leaves the caller unconnected.
      const last = leg.steps.filter((st) => st.type === 'verb').at(-1);
      if (leg.error || (last?.type === 'verb' && (last.verb === 'Hangup' || last.verb === 'Reject'))) declined = true;
    }
    const bridged = outcome === 'answered' && !declined;
    const seconds = bridged ? (this.script.dialSeconds ?? 30) : 0;
    this.seconds += seconds + (outcome === 'no-answer' ? number(verb.attrs.timeout, 30) : 0);
    const extras = [
      verb.attrs.timeout ? `${verb.attrs.timeout} s` : '',
      verb.attrs.callerId ? `caller ID ${verb.attrs.callerId}` : '',
    ]
      .filter(Boolean)
      .join(', ');
    this.steps.push({
      type: 'verb',
      verb: 'Dial',
      detail: `${targets.join(', ')}${extras ? ` (${extras})` : ''}`,
      result: bridged ? `answered, ${seconds} s` : declined ? 'answered, declined at the whisper' : outcome,
      ...(nested.length > 0 ? { nested } : {}),
    });
    if (!verb.attrs.action) return 'continue';
    return this.goto(verb.attrs.action, verb.attrs.method, documentUrl, {
      DialCallStatus: outcome === 'answered' ? 'completed' : outcome,
      DialCallSid: newSid('CA'),
      DialCallDuration: String(seconds),
      DialBridged: String(bridged),
    });
  }

  /**
   * <Record>, as Twilio does today: the action is requested after every recording, silent ones included
   * (RecordingDuration 0), with Digits=hangup when the caller hung up; the recording status callback and the
   * transcription follow the action (Twilio: the RecordingUrl may not be fetchable yet when the action
   * arrives). Twilio transcribes recordings of 2 to 120 seconds only.
   */
  private async record(verb: TwimlElement, documentUrl: string): Promise<Next> {
    const maxLength = number(verb.attrs.maxLength, 3600);
    const ending = this.recordEnds.shift() ?? 'key';
    const seconds = ending === 'absent' ? 0 : Math.min(this.script.recordSeconds ?? 5, maxLength);
    const beep = verb.attrs.playBeep === 'false' ? '' : ', beep';
    const recordingSid = newSid('RE');
    const recordingUrl = `${this.apiBase}/${API_VERSION}/Accounts/${this.spec.accountSid}/Recordings/${recordingSid}`;
    this.seconds += seconds || number(verb.attrs.timeout, 5);
    const heard = seconds > 0 ? `${seconds} s recording` : 'silence';
    this.steps.push({
      type: 'verb',
      verb: 'Record',
      detail: `max ${maxLength} s${beep}${verb.attrs.transcribe === 'true' ? ', transcribe' : ''}`,
      result: ending === 'hangup' ? `${heard}, caller hung up` : ending === 'absent' ? 'absent (16102)' : heard,
    });
    const status = ending === 'absent' ? 'absent' : 'completed';
    if (status === 'completed') this.spec.onRecording?.(recordingSid, seconds);
    const recordingParams = {
      AccountSid: this.spec.accountSid,
      CallSid: this.callSid,
      RecordingSid: recordingSid,
      RecordingUrl: recordingUrl,
      RecordingDuration: String(seconds),
      RecordingChannels: '1',
      RecordingSource: 'RecordVerb',
    };
    const events = (verb.attrs.recordingStatusCallbackEvent ?? 'completed').split(/\s+/);
    const statusUrl = verb.attrs.recordingStatusCallback;
    if (statusUrl && events.includes(status)) {
      this.afterNextFetch.push(() =>
        this.callback(
          'recording',
          new URL(statusUrl, documentUrl).toString(),
          methodOf(verb.attrs.recordingStatusCallbackMethod),
          { ...recordingParams, RecordingStatus: status },
        ),
      );
    }
    const transcribeUrl = verb.attrs.transcribeCallback;
    if (verb.attrs.transcribe === 'true' && transcribeUrl && seconds >= 2 && seconds <= 120) {
      // Unlike the recording status callback, Twilio's transcribeCallback carries the call's usual parameters
      // too, and of the recording only its SID and URL (https://www.twilio.com/docs/voice/twiml/record).
      const transcriptionSid = newSid('TR');
      this.afterNextFetch.push(() =>
        this.callback('transcription', new URL(transcribeUrl, documentUrl).toString(), 'POST', {
          ...this.baseParams('in-progress'),
          RecordingSid: recordingSid,
          RecordingUrl: recordingUrl,
          TranscriptionSid: transcriptionSid,
          TranscriptionUrl: `${this.apiBase}/${API_VERSION}/Accounts/${this.spec.accountSid}/Transcriptions/${transcriptionSid}`,
          TranscriptionStatus: 'completed',
          TranscriptionText: this.script.transcription ?? 'This is a simulated voicemail.',
        }),
      );
    }
    if (ending === 'hangup') this.hungUp = true;
    const finishOnKey = verb.attrs.finishOnKey ?? '1234567890*#';
    return this.goto(verb.attrs.action, verb.attrs.method, documentUrl, {
      RecordingUrl: recordingUrl,
      RecordingDuration: String(seconds),
      RecordingSid: recordingSid,
      ...(ending === 'hangup'
        ? { Digits: 'hangup' }
        : ending === 'key' && seconds > 0 && finishOnKey.includes('#')
          ? { Digits: '#' }
          : {}),
    });
  }

  /** Waits in the queue: the wait URL's document plays once, then the script says how the wait ended. */
  private async enqueue(verb: TwimlElement, documentUrl: string): Promise<Next> {
    const queueSid = newSid('QU');
    const queueParams = {
      QueueSid: queueSid,
      QueuePosition: '1',
      QueueTime: '0',
      AvgQueueTime: '0',
      CurrentQueueSize: '1',
    };
    let outcome: string = this.script.queue ?? 'bridged';
    const nested: Step[] = [];
    if (verb.attrs.waitUrl) {
      const steps = this.steps.length;
      const waitVerbs = await this.fetchDocument(
        this.goto(verb.attrs.waitUrl, verb.attrs.waitUrlMethod, documentUrl, queueParams),
      );
      for (const waitVerb of waitVerbs ?? []) {
        if (waitVerb.name === 'Leave') {
          outcome = 'leave';
          break;
        }
        if (waitVerb.name === 'Hangup') {
          outcome = 'hangup';
          break;
        }
        if (['Say', 'Play', 'Pause'].includes(waitVerb.name)) nested.push(this.hear(waitVerb));
      }
      nested.unshift(...this.steps.splice(steps));
      if (!waitVerbs && this.error) return 'end';
    }
    this.steps.push({ type: 'verb', verb: 'Enqueue', detail: verb.text || '(task)', result: outcome, nested });
    if (outcome === 'hangup') return 'end';
    if (!verb.attrs.action) return outcome === 'bridged' ? 'end' : 'continue';
    return this.goto(verb.attrs.action, verb.attrs.method, documentUrl, {
      QueueResult: outcome,
      QueueSid: queueSid,
      QueueTime: '0',
    });
  }

  private async message(verb: TwimlElement, documentUrl: string): Promise<Next> {
    const to = verb.attrs.to ?? this.spec.from;
    this.steps.push({ type: 'verb', verb: verb.name, detail: `to ${to}: "${truncate(verb.text)}"` });
    if (!verb.attrs.action) return 'continue';
    return this.goto(verb.attrs.action, verb.attrs.method, documentUrl, { SmsSid: newSid('SM'), SmsStatus: 'sent' });
  }
}

/** Plays out one call and returns its transcript; never throws for anything the far side does. */
export function runCall(spec: CallSpec, script: CallScript = {}): Promise<CallResult> {
  return new CallRun(spec, script).run();
}
