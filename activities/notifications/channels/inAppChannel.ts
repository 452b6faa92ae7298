import type { Db } from '../../../db/connection';
import { ChannelRejectedError, ChannelUnavailableError, type NotificationChannel, type OutgoingMessage, type SendResult } from './channel';

/** The customer's inbox on the site: a row in in_app_notifications, read by the account pages. */

// The columns are varchar(255) (knex's default for string()).
const MAX_COLUMN_CHARS = 255;

export class InAppChannel implements NotificationChannel {
  readonly name = 'in_app';

  constructor(private readonly db: Db) {}

  async send(m: OutgoingMessage): Promise<SendResult> {
    const email = m.to.trim().toLowerCase();
    if (!email || [...email].length > MAX_COLUMN_CHARS) throw new ChannelRejectedError(`not a usable in-app recipient: ${JSON.stringify(m.to)}`, 'in_app', 'INVALID_ADDRESS');
    // A shortened link would lead nowhere: better to refuse loudly than store a broken one.
    if (m.link && [...m.link].length > MAX_COLUMN_CHARS) throw new ChannelRejectedError(`link longer than ${MAX_COLUMN_CHARS} characters`, 'in_app', 'LINK_TOO_LONG');
    try {
      // ON CONFLICT DO NOTHING: a retried activity or a replayed workflow finds its row and adds no second one.
      const inserted: Array<{ id: number }> = await this.db('in_app_notifications')
        .insert({
          dedupe_key: m.dedupeKey,
          email,
          order_number: m.orderNumber ?? null,
          title: clip(m.subject, MAX_COLUMN_CHARS),
          body: m.text,
          link: m.link ?? null,
        })
        .onConflict('dedupe_key')
        .ignore()
        .returning('id');
      if (inserted[0]) return { providerId: String(inserted[0].id) };
      const existing: { id: number } | undefined = await this.db('in_app_notifications').where({ dedupe_key: m.dedupeKey }).first('id');
      return { providerId: existing ? String(existing.id) : undefined };
    } catch (err) {
      throw classifyDbError(err);
    }
  }
}

function clip(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
}

/** SQLSTATE classes 22 (bad data) and 23 (constraint) repeat on retry; a lost connection or a lock timeout does not. */
function classifyDbError(err: unknown): ChannelRejectedError | ChannelUnavailableError {
  const record = typeof err === 'object' && err !== null ? (err as Record<string, unknown>) : {};
  const code = typeof record.code === 'string' ? record.code : undefined;
  const message = `in-app insert failed: ${typeof record.message === 'string' ? record.message : String(err)}`;
  if (code && /^(22|23)/.test(code)) return new ChannelRejectedError(message, 'in_app', code);
  return new ChannelUnavailableError(message, 'in_app');
}
