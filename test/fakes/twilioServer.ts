import { randomBytes, timingSafeEqual } from 'node:crypto';
import type http from 'node:http';
import { FaultPlan, listenLocally, readBody } from './localServer';

/**
 * A local stand-in for Twilio's Messages API (2010-04-01) speaking its documented wire format: Basic auth,
 * form bodies, the message resource as JSON, and error bodies `{ code, message, more_info, status }`.
 */

export interface FakeTwilioMessage {
  sid: string;
  to: string;
  from: string;
  body: string;
  numSegments: number;
  idempotencyToken?: string;
  dateCreated: string;
}

export interface FakeTwilioRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  form: Record<string, string>;
  status: number;
}

export interface FakeTwilio {
  url: string;
  accountSid: string;
  authToken: string;
  from: string;
  /** Messages created, once each (a repeated idempotency token adds none). */
  messages: FakeTwilioMessage[];
  /** Every request, answered or refused, in arrival order. */
  requests: FakeTwilioRequest[];
  /** The next n message requests get `status` (500, 503, 429...) with a Twilio error body. */
  failNext(n: number, status?: number, retryAfterSeconds?: number): void;
  close(): Promise<void>;
}

export interface FakeTwilioOptions {
  accountSid?: string;
  authToken?: string;
  from?: string;
}

const E164 = /^\+[1-9]\d{6,14}$/;
const MAX_BODY = 1600;

interface TwilioError {
  status: number;
  code: number;
  message: string;
}

export async function startFakeTwilio(opts: FakeTwilioOptions = {}): Promise<FakeTwilio> {
  const accountSid = opts.accountSid ?? `AC${randomBytes(16).toString('hex')}`;
  const authToken = opts.authToken ?? randomBytes(16).toString('hex');
  const from = opts.from ?? '+447700900123';
  const messages: FakeTwilioMessage[] = [];
  const requests: FakeTwilioRequest[] = [];
  const byToken = new Map<string, FakeTwilioMessage>();
  const faults = new FaultPlan(500);

  const server = await listenLocally(async (req, res) => {
    const raw = await readBody(req);
    const form = Object.fromEntries(new URLSearchParams(raw));
    const path = (req.url ?? '/').split('?')[0];
    const answer = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      requests.push({ method: req.method ?? '', path, headers: req.headers, form, status });
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(body));
    };
    const fail = (e: TwilioError, headers?: Record<string, string>) =>
      answer(e.status, { code: e.code, message: e.message, more_info: `https://www.twilio.com/docs/errors/${e.code}`, status: e.status }, headers);

    const create = /^\/2010-04-01\/Accounts\/([^/]+)\/Messages\.json$/.exec(path);
    const fetchOne = /^\/2010-04-01\/Accounts\/([^/]+)\/Messages\/([^/]+)\.json$/.exec(path);
    const pathSid = create?.[1] ?? fetchOne?.[1];
    if (!pathSid) return fail({ status: 404, code: 20404, message: 'The requested resource was not found' });
    if (!authorised(req.headers.authorization, accountSid, authToken) || decodeURIComponent(pathSid) !== accountSid) {
      return fail({ status: 401, code: 20003, message: 'Authentication Error - invalid username' }, { 'www-authenticate': 'Basic realm="Twilio API"' });
    }

    if (fetchOne && req.method === 'GET') {
      const found = messages.find((m) => m.sid === fetchOne[2]);
      return found ? answer(200, resource(found, accountSid)) : fail({ status: 404, code: 20404, message: `The requested resource /2010-04-01/Accounts/${accountSid}/Messages/${fetchOne[2]}.json was not found` });
    }
    if (!create || req.method !== 'POST') return fail({ status: 405, code: 20004, message: 'Method not allowed' });

    const fault = faults.take();
    if (fault) {
      return fail(fault.status === 429 ? { status: 429, code: 20429, message: 'Too Many Requests' } : { status: fault.status, code: 20500, message: 'Internal Server Error' }, fault.headers);
    }

    const token = headerValue(req.headers['i-twilio-idempotency-token']);
    const repeat = token ? byToken.get(token) : undefined;
    if (repeat) return answer(201, resource(repeat, accountSid));

    const problem = validate(form, from);
    if (problem) return fail(problem);

    const message: FakeTwilioMessage = {
      sid: `SM${randomBytes(16).toString('hex')}`,
      to: form.To,
      from: form.From,
      body: form.Body,
      numSegments: segments(form.Body),
      idempotencyToken: token,
      dateCreated: rfc2822(new Date()),
    };
    messages.push(message);
    if (token) byToken.set(token, message);
    return answer(201, resource(message, accountSid));
  });

  return {
    url: server.url,
    accountSid,
    authToken,
    from,
    messages,
    requests,
    failNext: (n, status, retryAfterSeconds) => faults.failNext(n, status, retryAfterSeconds),
    close: server.close,
  };
}

function headerValue(h: string | string[] | undefined): string | undefined {
  return Array.isArray(h) ? h[0] : h;
}

function authorised(header: string | undefined, sid: string, token: string): boolean {
  const m = /^Basic\s+(.+)$/i.exec(header ?? '');
  if (!m) return false;
  const given = Buffer.from(Buffer.from(m[1], 'base64').toString('utf8'));
  const expected = Buffer.from(`${sid}:${token}`);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** The checks Twilio makes first, with its codes: https://www.twilio.com/docs/api/errors */
function validate(form: Record<string, string>, ourNumber: string): TwilioError | undefined {
  if (!form.To) return { status: 400, code: 21604, message: "A 'To' phone number is required." };
  if (!E164.test(form.To)) return { status: 400, code: 21211, message: `Invalid 'To' Phone Number: ${form.To}` };
  if (!form.From) return { status: 400, code: 21603, message: "A 'From' phone number is required." };
  if (form.From !== ourNumber) return { status: 400, code: 21606, message: `The From phone number ${form.From} is not a valid, SMS-capable inbound phone number or short code for your account.` };
  if (!form.Body) return { status: 400, code: 21602, message: 'Message body is required.' };
  if ([...form.Body].length > MAX_BODY) return { status: 400, code: 21617, message: 'The concatenated message body exceeds the 1600 character limit.' };
  return undefined;
}

// GSM 03.38 basic set; anything else forces UCS-2 (70 characters a segment instead of 160).
const GSM_BASIC = new Set(
  "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà",
);
const GSM_EXTENDED = new Set('^{}\\[~]|€\f');

export function segments(body: string): number {
  const chars = [...body];
  if (chars.every((c) => GSM_BASIC.has(c) || GSM_EXTENDED.has(c))) {
    const septets = chars.reduce((n, c) => n + (GSM_EXTENDED.has(c) ? 2 : 1), 0);
    return septets <= 160 ? 1 : Math.ceil(septets / 153);
  }
  const units = body.length; // UTF-16 code units, as UCS-2 counts them
  return units <= 70 ? 1 : Math.ceil(units / 67);
}

/** Twilio dates are RFC 2822, e.g. "Thu, 24 Aug 2023 05:01:45 +0000". */
function rfc2822(d: Date): string {
  return d.toUTCString().replace('GMT', '+0000');
}

function resource(m: FakeTwilioMessage, accountSid: string): Record<string, unknown> {
  const uri = `/2010-04-01/Accounts/${accountSid}/Messages/${m.sid}.json`;
  return {
    account_sid: accountSid,
    api_version: '2010-04-01',
    body: m.body,
    date_created: m.dateCreated,
    date_sent: null,
    date_updated: m.dateCreated,
    direction: 'outbound-api',
    error_code: null,
    error_message: null,
    from: m.from,
    messaging_service_sid: null,
    num_media: '0',
    num_segments: String(m.numSegments),
    price: null,
    price_unit: 'USD',
    sid: m.sid,
    status: 'queued',
    subresource_uris: { media: uri.replace('.json', '/Media.json') },
    to: m.to,
    uri,
  };
}
