import type { TemplateDefinition } from './types';

/** A customer did not hear from us: someone should reach them another way. */
export const adminNotificationFailed: TemplateDefinition = {
  audience: 'admin',
  render(data, { link }) {
    const n = data.orderNumber;
    const f = data.failedNotification;
    const what = f ? `${f.template} by ${f.channel}` : 'a notification';
    return {
      subject: `[Notification failed] ${what} for ${n}`,
      preheader: f ? `${f.recipient}: ${f.error}` : `A message about ${n} could not be delivered.`,
      heading: `A message about ${n} was not delivered`,
      blocks: [
        { kind: 'paragraph', text: `We gave up sending ${what} about order ${n}${f ? ` after ${f.attempts} attempt${f.attempts === 1 ? '' : 's'}` : ''}. The customer may need to hear from us another way.` },
        {
          kind: 'facts',
          rows: [['Order', n], ...(f ? ([['Template', f.template], ['Channel', f.channel], ['Recipient', f.recipient], ['Attempts', String(f.attempts)], ['Last error', f.error]] as Array<[string, string]>) : [])],
        },
      ],
      sms: `DY Orders: ${what} for ${n} failed${f ? ` (${f.error.slice(0, 80)})` : ''}. ${link}`,
    };
  },
};
