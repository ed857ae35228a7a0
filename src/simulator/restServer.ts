// Owns the REST side of the simulator: a server that speaks Twilio's REST API for Calls, Messages, the
// account's IncomingPhoneNumbers (list by PhoneNumber, update URLs) and recordings' media (MP3, with Range)
// — Basic auth, form bodies, realistic JSON resources, Twilio's JSON errors, every request recorded, faults
// on demand — and that, when asked to, executes what it creates: a call is played out against its Url with
// signed status callbacks, a message gets its sent / delivered callbacks (none for its initial queued status).
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { newSid, runCall, type CallResult, type CallScript } from './voiceCall';
import { methodOf, sendWebhook } from './webhook';
import { E164, RECORDING_SID } from '../formats';

export type FormParams = Record<string, string | string[]>;

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly params: FormParams;
  /** The Basic-auth user name presented (account SID or API key SID), if any. */
  readonly username?: string;
}

export type Fault =
  | { readonly status: number; readonly json: unknown }
  | { readonly status: number; readonly code?: number; readonly message?: string }
  | { readonly hang: true }
  | { readonly reset: true }
  | { readonly invalidJson: true };

export interface TwilioApiOptions {
  readonly accountSid: string;
  /** Checks Basic auth, and signs every webhook the simulator sends, as Twilio does with the account's token. */
  readonly authToken: string;
  /** API key SID → secret, accepted as Basic-auth credentials too. */
  readonly apiKeys?: Readonly<Record<string, string>>;
  /** Play out created calls and messages; without it resources are only stored. */
  readonly execute?: {
    readonly script?: CallScript;
    /** Called with each finished call (the CLI prints its transcript). */
    readonly onCall?: (result: CallResult) => void;
    /** How each created message ends, in order (default delivered); when they run out, delivered. */
    readonly messageOutcomes?: ReadonlyArray<'delivered' | 'undelivered' | 'failed'>;
    /** Called with each message status callback sent. */
    readonly onMessageStatus?: (sid: string, status: string, httpStatus: number | undefined) => void;
  };
  readonly port?: number;
  readonly host?: string;
}

const API = '/2010-04-01/Accounts/';
/** The simulator's own endpoint (not Twilio's): recordings of calls played elsewhere, by `simulate call`. */
export const SIMULATOR_RECORDINGS = '/simulator/Recordings';

const sid = newSid;
const twilioDate = (d = new Date()): string => d.toUTCString().replace('GMT', '+0000');
const first = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v);

function parseForm(body: string): FormParams {
  const params: FormParams = {};
  for (const [k, v] of new URLSearchParams(body)) {
    const prev = params[k];
    params[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  return params;
}

function errorBody(status: number, code: number, message: string): Record<string, unknown> {
  return { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status };
}

export class TwilioApiServer {
  readonly requests: RecordedRequest[] = [];
  readonly calls = new Map<string, Record<string, unknown>>();
  readonly messages = new Map<string, Record<string, unknown>>();
  /** IncomingPhoneNumber resources by sid (PN…); addNumber() buys one. */
  readonly phoneNumbers = new Map<string, Record<string, unknown>>();
  /** Recordings whose media exists: sid → length in seconds. */
  readonly recordings = new Map<string, number>();
  private readonly faults: Fault[] = [];
  private readonly sockets = new Set<Socket>();
  private readonly running = new Set<Promise<unknown>>();
  /** Finished calls by sid (only with `execute`). */
  readonly callResults = new Map<string, CallResult>();
  private constructor(
    private readonly server: http.Server,
    readonly url: string,
    private readonly options: TwilioApiOptions,
  ) {}

  static async start(options: TwilioApiOptions): Promise<TwilioApiServer> {
    let instance: TwilioApiServer | undefined;
    const server = http.createServer((req, res) => void instance?.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve);
    });
    const { port } = server.address() as AddressInfo;
    instance = new TwilioApiServer(server, `http://127.0.0.1:${port}`, options);
    server.on('connection', (socket) => {
      instance?.sockets.add(socket);
      socket.on('close', () => instance?.sockets.delete(socket));
    });
    return instance;
  }

  /** The next requests (any endpoint) get these faults, in order, instead of a normal answer. */
  failNext(...faults: Fault[]): void {
    this.faults.push(...faults);
  }

  /** Gives the account a phone number (as buying one in the console does), with Twilio's demo URLs set. */
  addNumber(phoneNumber: string): Record<string, unknown> {
    const numberSid = sid('PN');
    const now = twilioDate();
    const resource: Record<string, unknown> = {
      sid: numberSid,
      account_sid: this.options.accountSid,
      phone_number: phoneNumber,
      friendly_name: phoneNumber,
      api_version: '2010-04-01',
      date_created: now,
      date_updated: now,
      voice_url: 'https://demo.twilio.com/welcome/voice/',
      voice_method: 'POST',
      voice_fallback_url: null,
      voice_fallback_method: 'POST',
      voice_caller_id_lookup: false,
      voice_application_sid: null,
      sms_url: 'https://demo.twilio.com/welcome/sms/reply',
      sms_method: 'POST',
      sms_fallback_url: null,
      sms_fallback_method: 'POST',
      sms_application_sid: null,
      status_callback: null,
      status_callback_method: 'POST',
      capabilities: { voice: true, sms: true, mms: true, fax: false },
      beta: false,
      origin: 'twilio',
      status: 'in-use',
      trunk_sid: null,
      type: 'local',
      address_sid: null,
      address_requirements: 'none',
      identity_sid: null,
      bundle_sid: null,
      voice_receive_mode: 'voice',
      emergency_status: 'Inactive',
      emergency_address_sid: null,
      emergency_address_status: 'unregistered',
      uri: `${API}${this.options.accountSid}/IncomingPhoneNumbers/${numberSid}.json`,
    };
    this.phoneNumbers.set(numberSid, resource);
    return resource;
  }

  /** Makes a recording's media available (calls the simulator runs register theirs). */
  addRecording(recordingSid: string, seconds: number): void {
    this.recordings.set(recordingSid, seconds);
  }

  /**
   * POST /simulator/Recordings (RecordingSid, Seconds; the account's Basic auth): not Twilio's API but the
   * simulator's own, through which `simulate call` hands the recordings of a call it played to this server, so
   * an app whose TWILIO_API_BASE_URL is this server can fetch their audio as it fetches Twilio's.
   */
  private registerRecording(res: ServerResponse, params: FormParams): void {
    const recordingSid = first(params.RecordingSid) ?? '';
    const seconds = Number(first(params.Seconds));
    if (!RECORDING_SID.test(recordingSid) || !Number.isInteger(seconds) || seconds < 0)
      return this.json(res, 400, errorBody(400, 20001, 'RecordingSid (RE…) and Seconds (a whole number) are required'));
    this.addRecording(recordingSid, seconds);
    this.json(res, 201, { sid: recordingSid, duration: String(seconds) });
  }

  /** Requests that reached a Calls or Messages endpoint. */
  requestsTo(kind: 'Calls' | 'Messages' | 'IncomingPhoneNumbers' | 'Recordings'): RecordedRequest[] {
    return this.requests.filter((r) => r.path.includes(`/${kind}`));
  }

  /** Resolves once every call and message being executed has finished. */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.all([...this.running]);
  }

  private track(work: Promise<unknown>): void {
    this.running.add(work);
    void work.finally(() => this.running.delete(work));
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let body = '';
    for await (const chunk of req) body += chunk;
    const path = (req.url ?? '').split('?')[0] ?? '';
    const username = this.authenticatedUser(req);
    this.requests.push({ method: req.method ?? '', path, params: parseForm(body), username: username ?? undefined });

    const fault = this.faults.shift();
    if (fault) return this.applyFault(fault, req, res);
    if (!username) {
      res.setHeader('WWW-Authenticate', 'Basic realm="Twilio API"');
      return this.json(res, 401, {
        ...errorBody(401, 20003, 'Authenticate'),
        detail: 'Your AccountSid or AuthToken was incorrect.',
      });
    }
    if (path === SIMULATOR_RECORDINGS && req.method === 'POST') return this.registerRecording(res, parseForm(body));
    const media = /^\/2010-04-01\/Accounts\/([^/]+)\/Recordings\/(RE[0-9a-f]{32})(\.mp3|\.wav)?$/.exec(path);
    if (media && media[1] === this.options.accountSid && req.method === 'GET')
      return this.recordingMedia(req, res, media[2] as string, path);
    const numbers = /^\/2010-04-01\/Accounts\/([^/]+)\/IncomingPhoneNumbers(?:\/(PN[0-9a-f]{32}))?\.json$/.exec(path);
    if (numbers && numbers[1] === this.options.accountSid)
      return this.incomingPhoneNumbers(req, res, numbers[2], parseForm(body), path);
    const match = /^\/2010-04-01\/Accounts\/([^/]+)\/(Calls|Messages)(?:\/([^/]+))?\.json$/.exec(path);
    if (!match || match[1] !== this.options.accountSid) return this.notFound(res, path);
    const [, , kind, resourceSid] = match;
    const params = parseForm(body);
    if (req.method === 'POST' && !resourceSid)
      return kind === 'Calls' ? this.createCall(res, params) : this.createMessage(res, params);
    if (req.method === 'GET' && resourceSid) {
      const found = (kind === 'Calls' ? this.calls : this.messages).get(resourceSid);
      return found ? this.json(res, 200, found) : this.notFound(res, path);
    }
    return this.json(res, 405, errorBody(405, 20004, 'Method not allowed'));
  }

  /**
   * A recording's audio, as Twilio serves it: MP3 (silent frames, one second per 38 frames of 417 bytes at
   * 128 kbit/s), with Range requests answered 206.
   */
  private recordingMedia(req: IncomingMessage, res: ServerResponse, recordingSid: string, path: string): void {
    const seconds = this.recordings.get(recordingSid);
    if (seconds === undefined) return this.notFound(res, path);
    const frame = Buffer.alloc(417);
    frame.writeUInt32BE(0xfffb9064, 0); // MPEG-1 Layer III, 128 kbit/s, 44.1 kHz, mono
    const audio = Buffer.concat(Array.from({ length: Math.max(1, seconds) * 38 }, () => frame));
    const range = /^bytes=(\d*)-(\d*)$/.exec(req.headers.range ?? '');
    const headers = { 'Content-Type': 'audio/mpeg', 'Accept-Ranges': 'bytes' };
    if (!range) {
      res.writeHead(200, { ...headers, 'Content-Length': String(audio.length) });
      return void res.end(audio);
    }
    const start = range[1] ? Number(range[1]) : Math.max(0, audio.length - Number(range[2]));
    const end = range[1] && range[2] ? Math.min(Number(range[2]), audio.length - 1) : audio.length - 1;
    if (start >= audio.length || start > end) {
      res.writeHead(416, { 'Content-Range': `bytes */${audio.length}` });
      return void res.end();
    }
    res.writeHead(206, {
      ...headers,
      'Content-Range': `bytes ${start}-${end}/${audio.length}`,
      'Content-Length': String(end - start + 1),
    });
    res.end(audio.subarray(start, end + 1));
  }

  /** GET IncomingPhoneNumbers.json?PhoneNumber=…, GET and POST IncomingPhoneNumbers/PN….json. */
  private incomingPhoneNumbers(
    req: IncomingMessage,
    res: ServerResponse,
    numberSid: string | undefined,
    params: FormParams,
    path: string,
  ): void {
    if (!numberSid) {
      if (req.method !== 'GET') return this.json(res, 405, errorBody(405, 20004, 'Method not allowed'));
      const query = new URL(req.url ?? '', 'http://x').searchParams;
      const wanted = query.get('PhoneNumber');
      const pageSize = Number(query.get('PageSize') ?? 50);
      const found = [...this.phoneNumbers.values()].filter((n) => !wanted || n.phone_number === wanted);
      const uri = `${API}${this.options.accountSid}/IncomingPhoneNumbers.json?PageSize=${pageSize}&Page=0`;
      return this.json(res, 200, {
        incoming_phone_numbers: found.slice(0, pageSize),
        end: Math.min(found.length, pageSize) - 1,
        first_page_uri: uri,
        next_page_uri: null,
        page: 0,
        page_size: pageSize,
        previous_page_uri: null,
        start: 0,
        uri,
      });
    }
    const resource = this.phoneNumbers.get(numberSid);
    if (!resource) return this.notFound(res, path);
    if (req.method === 'GET') return this.json(res, 200, resource);
    if (req.method !== 'POST') return this.json(res, 405, errorBody(405, 20004, 'Method not allowed'));
    const fields: Record<string, string> = {
      VoiceUrl: 'voice_url',
      VoiceMethod: 'voice_method',
      SmsUrl: 'sms_url',
      SmsMethod: 'sms_method',
      StatusCallback: 'status_callback',
      StatusCallbackMethod: 'status_callback_method',
      FriendlyName: 'friendly_name',
    };
    for (const [name, value] of Object.entries(params)) {
      const field = fields[name];
      const text = first(value) ?? '';
      if (!field) continue;
      if (name.endsWith('Method') && !/^(GET|POST)$/i.test(text))
        return this.json(res, 400, errorBody(400, 21601, `${name} must be GET or POST`));
      if (name.endsWith('Url') || name === 'StatusCallback') {
        if (text !== '' && !/^https?:\/\/\S+$/i.test(text))
          return this.json(res, 400, errorBody(400, 21502, `${name} is not a valid URL: ${text}`));
      }
      resource[field] = name.endsWith('Method') ? text.toUpperCase() : text === '' ? null : text;
    }
    resource.date_updated = twilioDate();
    this.json(res, 200, resource);
  }

  private authenticatedUser(req: IncomingMessage): string | null {
    const match = /^Basic (.+)$/.exec(req.headers.authorization ?? '');
    if (!match) return null;
    const decoded = Buffer.from(match[1] as string, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const [user, pass] = [decoded.slice(0, colon), decoded.slice(colon + 1)];
    const ok =
      (user === this.options.accountSid && pass === this.options.authToken) || this.options.apiKeys?.[user] === pass;
    return ok ? user : null;
  }

  private applyFault(fault: Fault, req: IncomingMessage, res: ServerResponse): void {
    if ('hang' in fault) return; // never answers; close() destroys the socket
    if ('reset' in fault) return void req.socket.destroy();
    if ('invalidJson' in fault) {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      return void res.end('<html>Bad gateway</html>');
    }
    if ('json' in fault) return this.json(res, fault.status, fault.json);
    this.json(
      res,
      fault.status,
      errorBody(fault.status, fault.code ?? 20500, fault.message ?? 'Internal Server Error'),
    );
  }

  private createCall(res: ServerResponse, p: FormParams): void {
    const [to, from, url] = [first(p.To), first(p.From), first(p.Url)];
    if (!to) return this.json(res, 400, errorBody(400, 21201, "No 'To' number is specified"));
    if (!E164.test(to)) return this.json(res, 400, errorBody(400, 21211, `Invalid 'To' Phone Number: ${to}`));
    if (!from) return this.json(res, 400, errorBody(400, 21213, "No 'From' number is specified"));
    // Twilio also takes Twiml or ApplicationSid instead; this stand-in plays out URLs only, so it refuses
    // the others as Twilio refuses a call with none of them, rather than accept a call it cannot run.
    if (!url) return this.json(res, 400, errorBody(400, 21205, 'Url parameter is required.'));
    const callSid = sid('CA');
    const uri = `${API}${this.options.accountSid}/Calls/${callSid}.json`;
    const now = twilioDate();
    const call = {
      sid: callSid,
      account_sid: this.options.accountSid,
      to,
      to_formatted: to,
      from,
      from_formatted: from,
      status: 'queued',
      direction: 'outbound-api',
      api_version: '2010-04-01',
      date_created: now,
      date_updated: now,
      start_time: null,
      end_time: null,
      duration: null,
      price: null,
      price_unit: 'USD',
      answered_by: null,
      caller_name: null,
      forwarded_from: null,
      group_sid: null,
      parent_call_sid: null,
      phone_number_sid: null,
      queue_time: '0',
      trunk_sid: null,
      uri,
      subresource_uris: {
        recordings: uri.replace('.json', '/Recordings.json'),
        events: uri.replace('.json', '/Events.json'),
      },
    };
    this.calls.set(callSid, call);
    this.json(res, 201, call);
    if (this.options.execute) this.track(this.executeCall(call, p));
  }

  private async executeCall(call: Record<string, unknown>, p: FormParams): Promise<void> {
    const statusUrl = first(p.StatusCallback);
    const events = p.StatusCallbackEvent === undefined ? ['completed'] : ([] as string[]).concat(p.StatusCallbackEvent);
    const result = await runCall(
      {
        url: first(p.Url) as string,
        method: methodOf(first(p.Method)),
        from: call.from as string,
        to: call.to as string,
        direction: 'outbound-api',
        callSid: call.sid as string,
        accountSid: this.options.accountSid,
        authToken: this.options.authToken,
        apiBaseUrl: this.url,
        onRecording: (recordingSid, seconds) => this.addRecording(recordingSid, seconds),
        statusCallback: statusUrl
          ? { url: statusUrl, method: methodOf(first(p.StatusCallbackMethod)), events }
          : undefined,
      },
      this.options.execute?.script,
    );
    Object.assign(call, { status: result.status, duration: String(result.durationSeconds), end_time: twilioDate() });
    // Record=true: Twilio records the whole call and, once it ends, posts the recording's status callback.
    if (first(p.Record) === 'true' && result.status === 'completed') await this.callRecording(call, result, p);
    this.callResults.set(result.callSid, result);
    this.options.execute?.onCall?.(result);
  }

  private async callRecording(call: Record<string, unknown>, result: CallResult, p: FormParams): Promise<void> {
    const recordingSid = sid('RE');
    this.addRecording(recordingSid, result.durationSeconds);
    const url = first(p.RecordingStatusCallback);
    if (!url) return;
    await sendWebhook({
      url,
      method: methodOf(first(p.RecordingStatusCallbackMethod)),
      authToken: this.options.authToken,
      params: {
        AccountSid: this.options.accountSid,
        CallSid: call.sid as string,
        RecordingSid: recordingSid,
        RecordingUrl: `https://api.twilio.com${API}${this.options.accountSid}/Recordings/${recordingSid}`,
        RecordingStatus: 'completed',
        RecordingDuration: String(result.durationSeconds),
        RecordingChannels: '1',
        RecordingSource: 'OutboundAPI',
        RecordingStartTime: twilioDate(),
      },
    });
  }

  private messageOutcomeIndex = 0;

  private async executeMessage(message: Record<string, unknown>, statusUrl: string | undefined): Promise<void> {
    const outcomes = this.options.execute?.messageOutcomes ?? [];
    const outcome = outcomes[this.messageOutcomeIndex++] ?? 'delivered';
    // Twilio's error codes for the two endings: 30003 unreachable handset, 30008 unknown error.
    const errorCode = outcome === 'undelivered' ? '30003' : outcome === 'failed' ? '30008' : undefined;
    // The message was created queued; Twilio sends no status callback for that initial status ("A status
    // callback request is not sent for the initial status of a newly created Message resource": Outbound Message
    // Status in Status Callbacks), only for each change after it.
    const statuses = outcome === 'failed' ? ['failed'] : ['sent', outcome];
    for (const status of statuses) {
      message.status = status;
      const final = status === outcome && errorCode !== undefined;
      if (final) Object.assign(message, { error_code: Number(errorCode), error_message: null });
      if (!statusUrl) continue;
      const answer = await sendWebhook({
        url: statusUrl,
        method: 'POST',
        authToken: this.options.authToken,
        params: {
          MessageSid: message.sid as string,
          SmsSid: message.sid as string,
          AccountSid: this.options.accountSid,
          From: String(message.from),
          To: String(message.to),
          MessageStatus: status,
          SmsStatus: status,
          ApiVersion: '2010-04-01',
          ...(final ? { ErrorCode: errorCode as string } : {}),
        },
      });
      this.options.execute?.onMessageStatus?.(message.sid as string, status, answer.status);
    }
  }

  private createMessage(res: ServerResponse, p: FormParams): void {
    const [to, from, body] = [first(p.To), first(p.From), first(p.Body)];
    if (!to) return this.json(res, 400, errorBody(400, 21604, "A 'To' phone number is required."));
    if (!E164.test(to)) return this.json(res, 400, errorBody(400, 21211, `Invalid 'To' Phone Number: ${to}`));
    if (!from && !p.MessagingServiceSid)
      return this.json(res, 400, errorBody(400, 21603, "A 'From' phone number is required."));
    const media = p.MediaUrl === undefined ? [] : ([] as string[]).concat(p.MediaUrl);
    if (!body && media.length === 0) return this.json(res, 400, errorBody(400, 21602, 'Message body is required.'));
    const messageSid = sid(media.length > 0 ? 'MM' : 'SM');
    const uri = `${API}${this.options.accountSid}/Messages/${messageSid}.json`;
    const now = twilioDate();
    const message = {
      sid: messageSid,
      account_sid: this.options.accountSid,
      to,
      from: from ?? null,
      body: body ?? '',
      status: 'queued',
      direction: 'outbound-api',
      api_version: '2010-04-01',
      date_created: now,
      date_updated: now,
      date_sent: null,
      num_segments: '1',
      num_media: String(media.length),
      error_code: null,
      error_message: null,
      price: null,
      price_unit: 'USD',
      messaging_service_sid: first(p.MessagingServiceSid) ?? null,
      uri,
      subresource_uris: { media: uri.replace('.json', '/Media.json') },
    };
    this.messages.set(messageSid, message);
    this.json(res, 201, message);
    if (this.options.execute) this.track(this.executeMessage(message, first(p.StatusCallback)));
  }

  private notFound(res: ServerResponse, path: string): void {
    this.json(res, 404, errorBody(404, 20404, `The requested resource ${path} was not found`));
  }

  private json(res: ServerResponse, status: number, body: unknown): void {
    res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8' });
    res.end(JSON.stringify(body));
  }
}
