import { z } from 'zod';
import { ChannelRejectedError, ChannelUnavailableError, type NotificationChannel, type OutgoingMessage, type SendResult } from './channel';
import { HttpTransportError, httpRequest, parseJson, parseRetryAfter, redactUrl } from './http';

/** Twilio's Programmable Messaging REST API (2010-04-01), spoken directly: one POST per message. */

export interface SmsChannelOptions {
  apiUrl: string;
  accountSid: string;
  authToken: string;
  from: string;
  timeoutMs?: number;
}

/**
 * Two concatenated GSM-7 segments (2 × 153): long enough for a status line and a link, short enough that a
 * message never costs more than two segments. Twilio itself refuses above 1600.
 */
export const MAX_SMS_CHARS = 306;

const messageSchema = z.object({
  sid: z.string().min(1),
  status: z.string(),
  error_code: z.union([z.number(), z.string()]).nullable().optional(),
  error_message: z.string().nullable().optional(),
});

const errorSchema = z.object({
  code: z.number(),
  message: z.string(),
  more_info: z.string().optional(),
  status: z.number().optional(),
});

export class SmsChannel implements NotificationChannel {
  readonly name = 'sms';
  private readonly endpoint: string;
  private readonly authorization: string;
  private readonly from: string;
  private readonly timeoutMs: number;
  private readonly where: string;

  constructor({ apiUrl, accountSid, authToken, from, timeoutMs = 10_000 }: SmsChannelOptions) {
    this.endpoint = `${apiUrl.replace(/\/+$/, '')}/2010-04-01/Accounts/${encodeURIComponent(accountSid)}/Messages.json`;
    this.authorization = `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString('base64')}`;
    this.from = from;
    this.timeoutMs = timeoutMs;
    this.where = `Twilio ${redactUrl(apiUrl)}`;
  }

  async send(m: OutgoingMessage): Promise<SendResult> {
    const form = new URLSearchParams({ To: m.to.trim(), From: this.from, Body: smsBody(m.text, m.link) });
    let reply;
    try {
      reply = await httpRequest(this.endpoint, {
        method: 'POST',
        headers: {
          authorization: this.authorization,
          accept: 'application/json',
          'content-type': 'application/x-www-form-urlencoded',
          // Stable across retries: a request that reached Twilio but whose answer we lost is not sent twice.
          'I-Twilio-Idempotency-Token': m.idempotencyKey,
        },
        body: form.toString(),
        timeoutMs: this.timeoutMs,
      });
    } catch (err) {
      if (err instanceof HttpTransportError) throw new ChannelUnavailableError(`${this.where}: ${err.message}`, 'sms');
      throw err;
    }

    const body = parseJson(reply.text);
    if (reply.status >= 200 && reply.status < 300) {
      const parsed = messageSchema.safeParse(body);
      // The message may exist already; a retry carries the same idempotency token, so it cannot double-send.
      if (!parsed.success) throw new ChannelUnavailableError(`${this.where}: unreadable ${reply.status} response`, 'sms');
      if (parsed.data.status === 'failed' || parsed.data.status === 'undelivered') {
        const code = parsed.data.error_code == null ? undefined : String(parsed.data.error_code);
        throw new ChannelRejectedError(`${this.where}: message ${parsed.data.sid} ${parsed.data.status}: ${parsed.data.error_message ?? 'no reason given'}`, 'sms', code);
      }
      return { providerId: parsed.data.sid };
    }

    const error = errorSchema.safeParse(body);
    const code = error.success ? String(error.data.code) : `HTTP_${reply.status}`;
    const message = `${this.where}: ${reply.status} ${error.success ? `${error.data.code} ${error.data.message}` : reply.text.slice(0, 200)}`;
    if (reply.status === 429 || reply.status === 408 || reply.status >= 500) {
      throw new ChannelUnavailableError(message, 'sms', parseRetryAfter(reply.headers.get('retry-after')));
    }
    // 400 (21211 invalid To, 21610 unsubscribed...), 404, and 401/403: a wrong SID or token stays wrong until
    // someone fixes the configuration, so retrying would only burn attempts.
    throw new ChannelRejectedError(message, 'sms', code);
  }
}

/**
 * SMS is plain text and paid per segment: whitespace collapsed, capped at MAX_SMS_CHARS, and if the text has to
 * be cut, the link (the one thing the reader needs) survives and the prose gives way.
 */
export function smsBody(text: string, link?: string): string {
  const flat = text.replace(/[ \t]+/g, ' ').replace(/\s*\n\s*/g, '\n').trim();
  if ([...flat].length <= MAX_SMS_CHARS) return flat;
  if (link && flat.includes(link) && link.length < MAX_SMS_CHARS - 20) {
    const prose = flat.replace(link, '').replace(/\s+/g, ' ').trim();
    return `${cut(prose, MAX_SMS_CHARS - link.length - 1)} ${link}`;
  }
  return cut(flat, MAX_SMS_CHARS);
}

function cut(text: string, max: number): string {
  // Spread by code points so an emoji or accented letter is never split in half.
  const chars = [...text];
  if (chars.length <= max) return text;
  const head = chars.slice(0, max - 3).join('');
  const atWord = head.replace(/\s+\S*$/, '');
  // Three dots, not "…": a single character outside GSM-7 turns the whole text into UCS-2, 67 characters a segment.
  return `${atWord.length > max / 2 ? atWord : head}...`;
}
