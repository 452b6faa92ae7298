import { lowerFirst, shipmentFacts, trackingButton } from './common';
import type { DeliveryProblem, TemplateDefinition } from './types';

/** Proactive: we tell the customer before they have to chase us, and say what we are doing about it. */
const WORDS: Record<DeliveryProblem, { subject: string; heading: string; text: string; sms: string }> = {
  delayed: {
    subject: 'Your delivery is running late',
    heading: 'Your parcel is running a little late',
    text: "The carrier has told us your parcel is delayed. It's still on its way and you don't need to do anything: we're keeping an eye on it and will update you as it moves.",
    sms: 'is running late but still on its way; no need to do anything',
  },
  attempted: {
    subject: 'We missed you: delivery attempted',
    heading: 'The carrier tried to deliver your parcel',
    text: "The carrier tried to deliver your parcel but couldn't. They will usually try again on the next working day; the tracking page shows your options.",
    sms: "couldn't be delivered today; the carrier will try again",
  },
  exception: {
    subject: 'A problem with your delivery',
    heading: "There's a problem with your delivery",
    text: "The carrier has reported a problem delivering your parcel. Our team is already looking into it with them and will contact you with the next step. You don't need to do anything yet.",
    sms: 'has a delivery problem; our team is already on it and will be in touch',
  },
  returned_to_sender: {
    subject: 'Your parcel is coming back to us',
    heading: 'Your parcel is on its way back to us',
    text: "The carrier couldn't deliver your parcel and is returning it to us. As soon as it arrives we'll contact you to resend it or refund you, whichever you prefer.",
    sms: "couldn't be delivered and is coming back to us; we'll contact you to resend or refund",
  },
};

export const deliveryProblem: TemplateDefinition = {
  audience: 'customer',
  render(data, { link }) {
    const n = data.orderNumber;
    const w = WORDS[data.problem ?? 'delayed'];
    const detail = data.problemDetail?.trim();
    return {
      subject: `${w.subject} (order ${n})`,
      preheader: w.text,
      heading: w.heading,
      blocks: [
        { kind: 'paragraph', text: `About order ${n}: ${lowerFirst(w.text)}` },
        ...(detail ? [{ kind: 'facts' as const, rows: [['Carrier update', detail] as [string, string]] }] : []),
        ...shipmentFacts(data),
        ...trackingButton(data),
        { kind: 'paragraph', text: "We're sorry for the wait. If you need the order by a particular date, reply to this email and we'll do what we can." },
      ],
      sms: `DY Official: order ${n} ${w.sms}. ${link}`,
    };
  },
};
