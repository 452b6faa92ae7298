import { orderBlock } from './common';
import type { TemplateDefinition } from './types';

export const orderProcessing: TemplateDefinition = {
  audience: 'customer',
  render(data, { link }) {
    const n = data.orderNumber;
    return {
      subject: `We're getting order ${n} ready`,
      preheader: 'Our warehouse is picking and packing your items.',
      heading: "We're getting your order ready",
      blocks: [
        { kind: 'paragraph', text: `Our warehouse team is picking and packing order ${n}. We'll email you the tracking details as soon as it's with the carrier.` },
        ...orderBlock(data, false),
      ],
      sms: `DY Official: we're packing order ${n}. Tracking details follow once it ships. ${link}`,
    };
  },
};
