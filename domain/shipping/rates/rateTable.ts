import { z } from 'zod';
import { SERVICE_LEVELS, type ServiceLevel } from '../serviceLevels';
import { carrierNameSchema, type CarrierName } from '../carriers/carrier';
import { SHIPPING_ZONES, type ShippingZone } from './zones';

/**
 * The rate table: what each carrier's services cost per zone and weight band, how long they take, what
 * parcels each carrier accepts, and what the store promises customers per service level. It is data, so a
 * new tariff is a JSON file (SHIPPING_RATES_FILE) validated by this same schema, not a code change.
 */

export const zoneSchema = z.enum(SHIPPING_ZONES);
export const serviceLevelSchema = z.enum(SERVICE_LEVELS);

const wholePositive = (unit: string) => z.number({ error: `must be a number of ${unit}` }).int(`must be whole ${unit}`).positive('must be positive');
const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date as YYYY-MM-DD').refine((s) => {
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().startsWith(s);
}, 'is not a calendar date');

export const weightBandSchema = z.strictObject({ upToGrams: wholePositive('grams'), pence: wholePositive('pence') });

export const zoneRateSchema = z
  .strictObject({
    transitDays: z.number().int('must be whole working days').min(1, 'must be at least 1').max(30, 'must be at most 30'),
    bands: z.array(weightBandSchema).min(1, 'must list at least one weight band'),
  })
  .superRefine((rate, ctx) => {
    // A band list out of order would price a parcel by the wrong band without any error: refuse it here.
    for (let i = 1; i < rate.bands.length; i++) {
      if (rate.bands[i].upToGrams <= rate.bands[i - 1].upToGrams) {
        ctx.addIssue({ code: 'custom', path: ['bands', i, 'upToGrams'], message: 'must be greater than the band before it (bands go from light to heavy)' });
      }
    }
  });

export const serviceSchema = z.strictObject({
  /** The service level this service is sold as; it may also carry slower levels when it is cheaper. */
  level: serviceLevelSchema,
  zones: z.partialRecord(zoneSchema, zoneRateSchema).refine((zones) => Object.keys(zones).length > 0, 'must serve at least one zone'),
});

export const parcelLimitsSchema = z.strictObject({
  maxWeightGrams: wholePositive('grams'),
  /** Longest side. */
  maxLengthMm: wholePositive('millimetres'),
  /** Second longest side. */
  maxWidthMm: wholePositive('millimetres').optional(),
  /** Shortest side. */
  maxHeightMm: wholePositive('millimetres').optional(),
  /** Length plus girth, girth being 2 × (width + height): how UPS and FedEx measure oversize. */
  maxLengthPlusGirthMm: wholePositive('millimetres').optional(),
});

export const carrierRatesSchema = z.strictObject({
  limits: parcelLimitsSchema,
  services: z
    .record(z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'service names are lower-case words joined by -'), serviceSchema)
    .refine((s) => Object.keys(s).length > 0, 'must list at least one service'),
});

const promiseDaysSchema = z.number().int('must be whole working days').min(1, 'must be at least 1').max(30, 'must be at most 30');

export const rateTableSchema = z
  .strictObject({
    currency: z.literal('GBP', 'must be GBP: every price in the store is in pence sterling'),
    dispatch: z.strictObject({
      /** Orders placed from this local time on leave the warehouse on the next working day. */
      cutoff: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a time as HH:MM (24-hour)'),
      timeZone: z.string().refine((tz) => {
        try {
          new Intl.DateTimeFormat('en-GB', { timeZone: tz });
          return true;
        } catch {
          return false;
        }
      }, 'must be an IANA time zone such as Europe/London'),
    }),
    /** Days neither the warehouse nor the carriers work, besides weekends. */
    bankHolidays: z.array(isoDate).default([]),
    /** Working days from dispatch to delivery the store promises, per level and zone; a zone left out is not offered that level. */
    promises: z.strictObject({
      standard: z.partialRecord(zoneSchema, promiseDaysSchema),
      express: z.partialRecord(zoneSchema, promiseDaysSchema),
      next_day: z.partialRecord(zoneSchema, promiseDaysSchema),
    }),
    carriers: z.partialRecord(carrierNameSchema, carrierRatesSchema).refine((c) => Object.keys(c).length > 0, 'must list at least one carrier'),
  })
  .superRefine((table, ctx) => {
    for (const [name, carrier] of Object.entries(table.carriers)) {
      if (!carrier) continue;
      for (const [service, def] of Object.entries(carrier.services)) {
        for (const [zone, rate] of Object.entries(def.zones)) {
          // A band above the carrier's own limit could never be used: most likely a typo in one of the two.
          const last = rate?.bands[rate.bands.length - 1];
          if (last && last.upToGrams > carrier.limits.maxWeightGrams) {
            ctx.addIssue({ code: 'custom', path: ['carriers', name, 'services', service, 'zones', zone, 'bands', rate.bands.length - 1, 'upToGrams'], message: `is above ${name}'s limit of ${carrier.limits.maxWeightGrams} g` });
          }
        }
      }
    }
  });

export type RateTable = z.infer<typeof rateTableSchema>;
export type RateTableInput = z.input<typeof rateTableSchema>;
export type ParcelLimits = z.infer<typeof parcelLimitsSchema>;
export type CarrierRates = z.infer<typeof carrierRatesSchema>;
export type ZoneRate = z.infer<typeof zoneRateSchema>;
export type { CarrierName, ServiceLevel, ShippingZone };

/** Slowest first: a faster service may carry a slower level, never the other way round. */
export const LEVEL_RANK: Record<ServiceLevel, number> = { standard: 0, express: 1, next_day: 2 };

export const LEVEL_LABEL: Record<ServiceLevel, string> = { standard: 'standard', express: 'express', next_day: 'next-day' };

/** The carriers of a table in a fixed order, so every choice and every message is deterministic. */
export function carriersOf(table: RateTable): Array<[CarrierName, CarrierRates]> {
  return (Object.entries(table.carriers) as Array<[CarrierName, CarrierRates | undefined]>)
    .filter((e): e is [CarrierName, CarrierRates] => e[1] !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}
