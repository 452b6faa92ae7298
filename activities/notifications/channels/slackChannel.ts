import { ChannelRejectedError, ChannelUnavailableError, type NotificationChannel, type OutgoingMessage, type SendResult } from './channel';
import { HttpTransportError, httpRequest, parseRetryAfter } from './http';

/** Slack incoming webhooks: for the team, not customers. The webhook URL itself picks the Slack channel. */

export interface SlackChannelOptions {
  webhookUrl: string;
  timeoutMs?: number;
}

// Slack refuses a section whose text is over 3000 characters.
const MAX_SECTION_CHARS = 2900;

export class SlackChannel implements NotificationChannel {
  readonly name = 'slack';
  private readonly webhookUrl: string;
  private readonly timeoutMs: number;

  constructor({ webhookUrl, timeoutMs = 10_000 }: SlackChannelOptions) {
    this.webhookUrl = webhookUrl;
    this.timeoutMs = timeoutMs;
  }

  async send(m: OutgoingMessage): Promise<SendResult> {
    // The webhook path is the credential: never put it in an error message.
    const where = 'Slack webhook';
    let reply;
    try {
      reply = await httpRequest(this.webhookUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(slackPayload(m)),
        timeoutMs: this.timeoutMs,
      });
    } catch (err) {
      if (err instanceof HttpTransportError) throw new ChannelUnavailableError(`${where}: ${err.message}`, 'slack');
      throw err;
    }
    if (reply.status >= 200 && reply.status < 300) return {};
    const reason = reply.text.trim().slice(0, 200) || `HTTP ${reply.status}`;
    const message = `${where}: ${reply.status} ${reason}`;
    if (reply.status === 429 || reply.status === 408 || reply.status >= 500) {
      throw new ChannelUnavailableError(message, 'slack', parseRetryAfter(reply.headers.get('retry-after')));
    }
    // invalid_payload, no_service, channel_is_archived, action_prohibited: the same post fails the same way.
    throw new ChannelRejectedError(message, 'slack', /^[a-z_]+$/.test(reason) ? reason : `HTTP_${reply.status}`);
  }
}

export interface SlackPayload {
  text: string;
  blocks: Array<Record<string, unknown>>;
}

/** `text` is the notification fallback; blocks are what the channel shows. */
export function slackPayload(m: OutgoingMessage): SlackPayload {
  const subject = escapeSlack(m.subject);
  const body = escapeSlack(m.text);
  const section = `*${subject}*\n${body}`;
  const blocks: Array<Record<string, unknown>> = [
    { type: 'section', text: { type: 'mrkdwn', text: section.length > MAX_SECTION_CHARS ? `${section.slice(0, MAX_SECTION_CHARS)}…` : section } },
  ];
  if (m.link) {
    blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `<${escapeSlack(m.link)}|${m.orderNumber ? `Open ${escapeSlack(m.orderNumber)}` : 'Open'}>` }] });
  }
  return { text: `${subject}${m.orderNumber && !m.subject.includes(m.orderNumber) ? ` (${escapeSlack(m.orderNumber)})` : ''}`, blocks };
}

/** Slack's mrkdwn treats &, < and > as control characters (links, mentions); anything from a customer is escaped. */
export function escapeSlack(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
