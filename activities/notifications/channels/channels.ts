import type { Db } from '../../../db/connection';
import type { Config } from '../../../lib/config';
import type { ChannelName, NotificationChannel } from './channel';
import { EmailChannel } from './emailChannel';
import { InAppChannel } from './inAppChannel';
import { SlackChannel } from './slackChannel';
import { SmsChannel } from './smsChannel';

export type ChannelConfig = Pick<
  Config,
  'SMTP_URL' | 'MAIL_FROM' | 'MAILDEV_SMTP_PORT' | 'TWILIO_API_URL' | 'TWILIO_ACCOUNT_SID' | 'TWILIO_AUTH_TOKEN' | 'TWILIO_FROM' | 'SLACK_WEBHOOK_URL'
>;

/** The configured channels by name; a missing key means "not configured here", so callers skip, not fail. */
export type Channels = Partial<Record<ChannelName, NotificationChannel>>;

export function createChannels(config: ChannelConfig, db: Db): Channels {
  const channels: Channels = {
    // With no SMTP_URL, mail goes to the local MailDev that `npm start` runs: dev mail is caught, never sent.
    email: new EmailChannel({ smtpUrl: config.SMTP_URL ?? `smtp://127.0.0.1:${config.MAILDEV_SMTP_PORT}`, from: config.MAIL_FROM }),
    in_app: new InAppChannel(db),
  };
  if (config.TWILIO_ACCOUNT_SID && config.TWILIO_AUTH_TOKEN && config.TWILIO_FROM) {
    channels.sms = new SmsChannel({
      apiUrl: config.TWILIO_API_URL,
      accountSid: config.TWILIO_ACCOUNT_SID,
      authToken: config.TWILIO_AUTH_TOKEN,
      from: config.TWILIO_FROM,
    });
  }
  if (config.SLACK_WEBHOOK_URL) channels.slack = new SlackChannel({ webhookUrl: config.SLACK_WEBHOOK_URL });
  return channels;
}
