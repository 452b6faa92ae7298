import { z } from 'zod';
import { CARRIER_NAMES, TRACKING_STATUSES } from '../../domain/shipping/carriers/carrier';
import { SHIPMENT_EXCEPTIONS } from '../../workflows/shipping/definitions';
import { emailSchema, registry } from '../schemas';

/** Statuses a parcel row can hold: ours around the carriers' vocabulary (see db/migrations/…_shipping.ts). */
export const SHIPMENT_STATUSES = ['PENDING', ...TRACKING_STATUSES, 'REJECTED', 'CANCELLED', 'REPLACED', 'REFUNDED'] as const;
/** A parcel closed by the order (recordTracking stops updating these): it no longer ships anything. */
export const CLOSED_SHIPMENT_STATUSES = ['CANCELLED', 'REPLACED', 'REFUNDED'] as const;
/** Orders before multi-carrier shipping went out with the sandbox carrier under its own name. */
export const DASHBOARD_CARRIERS = [...CARRIER_NAMES, 'sandbox'] as const;
export const SHIPMENT_ATTENTION_REASONS = SHIPMENT_EXCEPTIONS;

// An empty form field arrives as `?carrier=`: the same as not filtering.
const optional = <T extends z.ZodType>(schema: T) => z.preprocess((v) => (v === '' ? undefined : v), schema.optional());

const calendarDate = z
  .string({ error: 'must be a date such as 2026-11-25' })
  .regex(/^\d{4}-\d{2}-\d{2}$/, { message: 'must be a date such as 2026-11-25', abort: true })
  .refine((s) => {
    const d = new Date(`${s}T00:00:00Z`);
    return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
  }, 'is not a calendar date');

const dayRange = <T extends { from?: string; to?: string }>(q: T, ctx: z.RefinementCtx, maxDays: number) => {
  if (!q.from || !q.to) return;
  const days = (Date.parse(q.to) - Date.parse(q.from)) / 86_400_000;
  if (days < 0) ctx.addIssue({ code: 'custom', path: ['to'], message: 'must not be before from' });
  else if (days >= maxDays) ctx.addIssue({ code: 'custom', path: ['to'], message: `must be within ${maxDays} days of from` });
};

const enumOf = <T extends readonly [string, ...string[]]>(values: T) => z.enum(values, { error: `must be one of ${values.join(', ')}` });

export const shipmentSearchQuerySchema = z
  .object({
    orderId: optional(
      z
        .string()
        .trim()
        .toUpperCase()
        .max(15, 'must be at most 15 characters')
        .regex(/^[A-Z0-9-]+$/, 'may contain only letters, digits and -'),
    ),
    trackingNumber: optional(
      z
        .string()
        .trim()
        .max(64, 'must be at most 64 characters')
        .regex(/^[A-Za-z0-9-]+$/, 'may contain only letters, digits and -'),
    ),
    email: optional(emailSchema),
    carrier: optional(enumOf(DASHBOARD_CARRIERS)),
    status: optional(enumOf(SHIPMENT_STATUSES)),
    kind: optional(enumOf(['outbound', 'return'] as const)),
    from: optional(calendarDate),
    to: optional(calendarDate),
    limit: optional(z.coerce.number({ error: 'must be a number' }).int('must be a whole number').min(1, 'must be at least 1').max(100, 'must be at most 100')).default(25),
    offset: optional(z.coerce.number({ error: 'must be a number' }).int('must be a whole number').min(0, 'must not be negative').max(100_000, 'must be at most 100000')).default(0),
  })
  .strict()
  .superRefine((q, ctx) => dayRange(q, ctx, 3660));
export type ShipmentSearchQuery = z.infer<typeof shipmentSearchQuerySchema>;

export const analyticsQuerySchema = z
  .object({ from: optional(calendarDate), to: optional(calendarDate) })
  .strict()
  .superRefine((q, ctx) => dayRange(q, ctx, 366));

export const issuesQuerySchema = z
  .object({
    staleHours: optional(z.coerce.number({ error: 'must be a number' }).int('must be a whole number').min(1, 'must be at least 1').max(720, 'must be at most 720')),
  })
  .strict();

const shipmentRow = z.object({
  orderId: z.string(),
  shipmentNo: z.number().int(),
  kind: z.enum(['outbound', 'return']),
  carrier: z.string().nullable(),
  service: z.string().nullable(),
  trackingNumber: z.string().nullable(),
  status: z.string(),
  exceptionReason: z.string().nullable(),
  exceptionDetail: z.string().nullable(),
  email: z.string(),
  zone: z.string().nullable(),
  orderStatus: z.string(),
  promisedDeliveryDate: z.string().nullable().openapi({ description: 'YYYY-MM-DD' }),
  estimatedDelivery: z.string().nullable(),
  createdAt: z.string(),
  bookedAt: z.string().nullable(),
  deliveredAt: z.string().nullable(),
  lastEventAt: z.string().nullable(),
  orderUrl: z.string().openapi({ description: 'the staff order page' }),
  labelUrl: z.string().nullable().openapi({ description: 'the label PDF (outbound: warehouse or admin role; returns: support too); null before booking or once void' }),
});

export const shipmentSearchResponseSchema = registry.register(
  'ShippingDashboardShipments',
  z.object({ shipments: z.array(shipmentRow), total: z.number().int(), limit: z.number().int(), offset: z.number().int() }),
);

export const analyticsResponseSchema = registry.register(
  'ShippingDashboardAnalytics',
  z.object({
    from: z.string(),
    to: z.string(),
    basis: z.string(),
    carriers: z.array(
      z.object({
        carrier: z.string(),
        booked: z.number().int().openapi({ description: 'outbound parcels booked in the range' }),
        delivered: z.number().int(),
        withPromise: z.number().int().openapi({ description: 'delivered parcels whose order has a promised date: the on-time denominator' }),
        onTime: z.number().int(),
        onTimePerMille: z.number().int().nullable().openapi({ description: 'round(1000 × onTime / withPromise); null without any' }),
        medianHours: z.number().nullable().openapi({ description: 'booked → delivered, one decimal (continuous percentile)' }),
        p90Hours: z.number().nullable(),
      }),
    ),
    costs: z.array(
      z.object({
        carrier: z.string(),
        zone: z.string().nullable(),
        parcels: z.number().int(),
        totalCostPence: z.number().int(),
        costPerParcelPence: z.number().int().openapi({ description: 'round(totalCostPence / parcels)' }),
      }),
    ),
  }),
);

export const issuesResponseSchema = registry.register(
  'ShippingDashboardIssues',
  z.object({
    exceptions: z.array(shipmentRow),
    attention: z.array(
      z.object({
        orderId: z.string(),
        attentionReason: z.string(),
        email: z.string(),
        updatedAt: z.string(),
        parcelsInException: z.number().int(),
        orderUrl: z.string(),
      }),
    ),
    stale: z.array(shipmentRow.extend({ silentHours: z.number().int() })),
    staleAfterSeconds: z.number().int(),
    limit: z.number().int(),
  }),
);
