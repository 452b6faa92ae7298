/**
 * One shape for every way we reach a person. The notification activity only knows this interface, so adding
 * a provider (or swapping Twilio for another SMS gateway) never touches the retry and dedupe logic.
 */

export type ChannelName = 'email' | 'sms' | 'in_app' | 'slack';

export const CHANNEL_NAMES: readonly ChannelName[] = ['email', 'sms', 'in_app', 'slack'];

export interface OutgoingMessage {
  /** An email address, an E.164 phone number, or (Slack) a label: the webhook itself decides the channel. */
  to: string;
  subject: string;
  text: string;
  html?: string;
  /** Deterministic, e.g. `<n-123-email@dyofficial.co.uk>`: a provider or a mailbox can recognise a repeat. */
  messageId: string;
  /** Sent to providers that deduplicate (Twilio); stable across retries of the same notification. */
  idempotencyKey: string;
  link?: string;
  orderNumber?: string;
  /** The notifications row's key; in-app rows are unique on it, so a retried insert is a no-op. */
  dedupeKey: string;
}

export interface SendResult {
  providerId?: string;
}

export interface NotificationChannel {
  readonly name: ChannelName;
  send(m: OutgoingMessage): Promise<SendResult>;
}

/** Sending again cannot succeed (bad address, rejected payload, wrong credentials): record it as failed. */
export class ChannelRejectedError extends Error {
  override readonly name = 'ChannelRejectedError';
  constructor(
    message: string,
    readonly channel: ChannelName,
    /** The provider's own code (Twilio 21211, SMTP 550, Slack `invalid_payload`) for the notifications row. */
    readonly code?: string,
  ) {
    super(message);
  }
}

/** Worth retrying (timeouts, 5xx, 429, connection refused); retryAfterMs honours the provider's Retry-After. */
export class ChannelUnavailableError extends Error {
  override readonly name = 'ChannelUnavailableError';
  constructor(
    message: string,
    readonly channel: ChannelName,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}
