import { z } from 'zod';
import { pushSchema } from './push';
import { placeName } from './oauth';
import { upsActivityStatus, upsDate, upsInstant } from './ups';

/**
 * UPS Track Alert: after we subscribe a 1Z number (`POST /api/track/v1/subscription/standard/package`, with a
 * destination URL and a `credential` of our choosing), UPS POSTs every new event of that package to the URL for
 * 14 days, one event per message:
 *
 *   headers  credential: <the opaque string from the subscription>    the only authentication UPS offers
 *            User-Agent: UPSPubSubTrackingService
 *   body     { trackingNumber, localActivityDate YYYYMMDD, localActivityTime HHMMSS, gmtActivityDate,
 *              gmtActivityTime, activityLocation { city, stateProvince, postalCode, country },
 *              activityStatus { type, code, description, descriptionCode }, scheduledDeliveryDate,
 *              actualDeliveryDate, actualDeliveryTime, deliveryStartTime, deliveryEndTime,
 *              deliveryTimeDescription, deliveryPhoto }
 *   answer   200 once received
 *
 * Not every field has a value in every message: UPS sends empty strings, and even a tracking number with a
 * leading space in its own example. Status types and codes are those of the Tracking API, so the polling
 * adapter's reading (ups.ts) is reused and a pushed event means what the same polled event would.
 */

const field = z.string().nullish();

const trackAlertSchema = z.object({
  trackingNumber: z.string('is required').trim().min(1, 'is required').max(64, 'is too long'),
  localActivityDate: field,
  localActivityTime: field,
  gmtActivityDate: field,
  gmtActivityTime: field,
  activityLocation: z.object({ city: field, stateProvince: field, postalCode: field, country: field }).nullish(),
  activityStatus: z
    .object({ type: field, code: field, description: field, descriptionCode: field }, 'is required')
    .refine((s) => !!(s.type?.trim() || s.code?.trim()), 'needs a type or a code'),
  scheduledDeliveryDate: field,
  actualDeliveryDate: field,
});

export const upsTrackAlertSchema = pushSchema(trackAlertSchema, (alert, raw, ctx) => {
  // GMT is exact; the local time carries no offset in a push, so it is only a fallback read as UTC, as the
  // polling adapter does when UPS leaves out the offset.
  const occurredAt = upsInstant(alert.gmtActivityDate, alert.gmtActivityTime) ?? upsInstant(alert.localActivityDate, alert.localActivityTime);
  if (!occurredAt) {
    ctx.addIssue({ code: 'custom', path: ['gmtActivityDate'], message: 'the event needs a time: gmtActivityDate and gmtActivityTime (or the local pair) as YYYYMMDD and HHMMSS' });
    return z.NEVER;
  }
  const status = alert.activityStatus;
  const place = alert.activityLocation;
  const delivered = !!alert.actualDeliveryDate?.trim();
  return {
    trackingNumber: alert.trackingNumber,
    events: [
      {
        // As when polling: an activity type we have not met is still movement in UPS's network.
        status: upsActivityStatus(status) ?? 'IN_TRANSIT',
        occurredAt,
        description: status.description?.trim() || status.code?.trim() || 'UPS scan',
        location: placeName(place?.city, place?.stateProvince, place?.country),
        raw,
      },
    ],
    // Once delivered the scheduled date is history, not a promise.
    estimatedDelivery: delivered ? undefined : upsDate(alert.scheduledDeliveryDate),
  };
});
