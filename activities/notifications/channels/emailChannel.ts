import nodemailer, { type Transporter } from 'nodemailer';
import SMTPTransport from 'nodemailer/lib/smtp-transport';
import { ChannelRejectedError, ChannelUnavailableError, type NotificationChannel, type OutgoingMessage, type SendResult } from './channel';
import { redactUrl } from './http';

export interface EmailChannelOptions {
  smtpUrl: string;
  from: string;
  /** Bounds each SMTP phase so a silent server fails the attempt well inside the activity's own timeout. */
  timeoutMs?: number;
}

// Codes nodemailer raises before or around the conversation that a retry cannot change.
const PERMANENT_CODES = new Set(['EAUTH', 'EENVELOPE', 'EMESSAGE', 'ECONFIG']);

export class EmailChannel implements NotificationChannel {
  readonly name = 'email';
  private readonly transport: Transporter<SMTPTransport.SentMessageInfo>;
  private readonly from: string;
  private readonly where: string;

  constructor({ smtpUrl, from, timeoutMs = 15_000 }: EmailChannelOptions) {
    // A transport instance rather than the URL string: createTransport(url-options) would drop the timeouts.
    this.transport = nodemailer.createTransport(
      new SMTPTransport({ url: smtpUrl, connectionTimeout: timeoutMs, greetingTimeout: timeoutMs, socketTimeout: timeoutMs * 2 }),
    );
    this.from = from;
    this.where = redactUrl(smtpUrl);
  }

  async send(m: OutgoingMessage): Promise<SendResult> {
    if (!looksLikeEmail(m.to)) throw new ChannelRejectedError(`not an email address: ${JSON.stringify(m.to)}`, 'email', 'INVALID_ADDRESS');
    let info: SMTPTransport.SentMessageInfo;
    try {
      info = await this.transport.sendMail({
        from: this.from,
        to: m.to,
        subject: m.subject,
        text: m.text,
        html: m.html,
        // The same id on every attempt: a mailbox (and our tests) can tell a repeat from a second message.
        messageId: m.messageId,
        // RFC 3834: stops out-of-office replies bouncing back at the orders mailbox.
        headers: { 'Auto-Submitted': 'auto-generated' },
      });
    } catch (err) {
      throw classifySmtpError(err, this.where);
    }
    // With one recipient nodemailer normally throws on rejection; this covers servers that accept DATA regardless.
    if (info.accepted.length === 0 && info.rejected.length > 0) {
      throw new ChannelRejectedError(`SMTP ${this.where} rejected ${m.to}: ${info.response}`, 'email', 'REJECTED');
    }
    return { providerId: info.messageId };
  }
}

function looksLikeEmail(address: string): boolean {
  return /^[^\s@<>(),;:"]+@[^\s@<>(),;:"]+\.[^\s@<>(),;:"]+$/.test(address);
}

function field(err: unknown, key: string): unknown {
  return typeof err === 'object' && err !== null ? (err as Record<string, unknown>)[key] : undefined;
}

/** 5xx is the server saying "never" (unknown user, policy); 4xx is "not now" (greylisting, full queue). */
export function classifySmtpError(err: unknown, where: string): ChannelRejectedError | ChannelUnavailableError {
  const responseCode = field(err, 'responseCode');
  const code = field(err, 'code');
  const message = `SMTP ${where}: ${typeof field(err, 'message') === 'string' ? String(field(err, 'message')) : String(err)}`;
  if (typeof responseCode === 'number') {
    if (responseCode >= 500 && responseCode < 600) return new ChannelRejectedError(message, 'email', `SMTP_${responseCode}`);
    return new ChannelUnavailableError(message, 'email');
  }
  if (typeof code === 'string' && PERMANENT_CODES.has(code)) return new ChannelRejectedError(message, 'email', code);
  // Connection refused, timeouts, TLS and socket errors: the server may well be back on the next attempt.
  return new ChannelUnavailableError(message, 'email');
}
