import type { RateTableInput } from './rateTable';

type Band = [upToGrams: number, pence: number];
const bands = (...list: Band[]) => list.map(([upToGrams, pence]) => ({ upToGrams, pence }));

/**
 * The store's 2026 tariff: what each service costs us per parcel (VAT included, as we pay it), which is also
 * what the customer pays for the cheapest service that keeps the promise. Prices are plausible business rates
 * for a small UK shop, not a carrier's published list; SHIPPING_RATES_FILE replaces the whole table.
 */
export const DEFAULT_RATE_TABLE: RateTableInput = {
  currency: 'GBP',
  dispatch: { cutoff: '14:00', timeZone: 'Europe/London' },
  // England & Wales (the warehouse is in London), from gov.uk/bank-holidays; 2026-12-28 and 2027-12-27/28
  // are the substitute days for Christmas and Boxing Day falling on a weekend. Extend before 2028.
  bankHolidays: [
    '2026-01-01', '2026-04-03', '2026-04-06', '2026-05-04', '2026-05-25', '2026-08-31', '2026-12-25', '2026-12-28',
    '2027-01-01', '2027-03-26', '2027-03-29', '2027-05-03', '2027-05-31', '2027-08-30', '2027-12-27', '2027-12-28',
  ],
  // Working days after dispatch. Next day is a UK promise only: no carrier we use makes it abroad reliably.
  promises: {
    standard: { UK: 3, EU: 7, ROW: 10 },
    express: { UK: 2, EU: 3, ROW: 4 },
    next_day: { UK: 1 },
  },
  carriers: {
    'royal-mail': {
      // Royal Mail's parcel size: 61 × 46 × 46 cm, 20 kg (International Tracked stops at 2 kg: its last band).
      limits: { maxWeightGrams: 20_000, maxLengthMm: 610, maxWidthMm: 460, maxHeightMm: 460 },
      services: {
        'tracked-48': { level: 'standard', zones: { UK: { transitDays: 2, bands: bands([1_000, 339], [2_000, 419], [5_000, 599], [10_000, 849], [20_000, 1_299]) } } },
        'tracked-24': { level: 'express', zones: { UK: { transitDays: 1, bands: bands([1_000, 439], [2_000, 519], [5_000, 749], [10_000, 999], [20_000, 1_549]) } } },
        'special-delivery-1pm': { level: 'next_day', zones: { UK: { transitDays: 1, bands: bands([500, 875], [1_000, 985], [2_000, 1_195], [10_000, 1_695], [20_000, 2_495]) } } },
        'international-tracked': {
          level: 'standard',
          zones: {
            EU: { transitDays: 5, bands: bands([250, 1_095], [500, 1_195], [1_000, 1_495], [2_000, 1_995]) },
            ROW: { transitDays: 7, bands: bands([250, 1_295], [500, 1_495], [1_000, 2_195], [2_000, 3_195]) },
          },
        },
      },
    },
    dpd: {
      limits: { maxWeightGrams: 30_000, maxLengthMm: 1_000, maxWidthMm: 700, maxHeightMm: 600 },
      services: {
        'next-day': { level: 'next_day', zones: { UK: { transitDays: 1, bands: bands([2_000, 695], [5_000, 795], [10_000, 995], [20_000, 1_295], [30_000, 1_695]) } } },
        classic: { level: 'standard', zones: { EU: { transitDays: 4, bands: bands([2_000, 1_395], [5_000, 1_595], [10_000, 1_995], [20_000, 2_695], [30_000, 3_295]) } } },
      },
    },
    ups: {
      limits: { maxWeightGrams: 70_000, maxLengthMm: 2_740, maxLengthPlusGirthMm: 4_000 },
      services: {
        'express-saver': {
          level: 'next_day',
          zones: {
            UK: { transitDays: 1, bands: bands([2_000, 840], [5_000, 1_040], [10_000, 1_390], [20_000, 1_990], [30_000, 2_590], [70_000, 4_990]) },
            EU: { transitDays: 2, bands: bands([2_000, 2_450], [5_000, 3_150], [10_000, 4_250], [20_000, 6_250], [30_000, 7_950], [70_000, 14_950]) },
            ROW: { transitDays: 3, bands: bands([2_000, 3_950], [5_000, 5_450], [10_000, 7_950], [20_000, 11_950], [30_000, 15_950], [70_000, 29_950]) },
          },
        },
        standard: {
          level: 'standard',
          zones: {
            UK: { transitDays: 2, bands: bands([2_000, 690], [5_000, 790], [10_000, 990], [20_000, 1_390], [30_000, 1_790], [70_000, 3_490]) },
            EU: { transitDays: 4, bands: bands([2_000, 1_490], [5_000, 1_790], [10_000, 2_290], [20_000, 3_190], [30_000, 3_990], [70_000, 7_990]) },
          },
        },
      },
    },
    fedex: {
      limits: { maxWeightGrams: 68_000, maxLengthMm: 2_740, maxLengthPlusGirthMm: 3_300 },
      services: {
        priority: {
          level: 'next_day',
          zones: {
            UK: { transitDays: 1, bands: bands([2_000, 910], [5_000, 1_110], [10_000, 1_460], [20_000, 2_060], [30_000, 2_660], [68_000, 5_160]) },
            EU: { transitDays: 2, bands: bands([2_000, 2_590], [5_000, 3_290], [10_000, 4_390], [20_000, 6_490], [30_000, 8_290], [68_000, 15_490]) },
            ROW: { transitDays: 3, bands: bands([2_000, 4_190], [5_000, 5_690], [10_000, 8_190], [20_000, 12_390], [30_000, 16_490], [68_000, 30_990]) },
          },
        },
        economy: {
          level: 'standard',
          zones: {
            EU: { transitDays: 5, bands: bands([2_000, 1_890], [5_000, 2_390], [10_000, 3_190], [20_000, 4_590], [30_000, 5_890], [68_000, 10_890]) },
            ROW: { transitDays: 6, bands: bands([2_000, 2_890], [5_000, 3_790], [10_000, 5_290], [20_000, 7_990], [30_000, 10_490], [68_000, 19_990]) },
          },
        },
      },
    },
    dhl: {
      limits: { maxWeightGrams: 70_000, maxLengthMm: 1_200, maxWidthMm: 800, maxHeightMm: 800 },
      services: {
        'express-worldwide': {
          level: 'next_day',
          zones: {
            UK: { transitDays: 1, bands: bands([2_000, 1_150], [5_000, 1_390], [10_000, 1_790], [20_000, 2_490], [30_000, 3_190], [70_000, 5_990]) },
            EU: { transitDays: 2, bands: bands([2_000, 2_390], [5_000, 3_090], [10_000, 4_190], [20_000, 6_190], [30_000, 7_890], [70_000, 14_490]) },
            ROW: { transitDays: 3, bands: bands([2_000, 3_890], [5_000, 5_390], [10_000, 7_790], [20_000, 11_790], [30_000, 15_790], [70_000, 29_490]) },
          },
        },
        'economy-select': {
          level: 'standard',
          zones: { EU: { transitDays: 4, bands: bands([2_000, 1_590], [5_000, 1_890], [10_000, 2_490], [20_000, 3_490], [30_000, 4_390], [70_000, 8_490]) } },
        },
      },
    },
  },
};
