import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig } from '../../lib/config';
import { DEFAULT_RATE_TABLE } from '../../domain/shipping/rates/defaultRates';
import { deliveryVatPence } from '../../domain/shipping/rates/deliveryVat';
import { loadRateTableFile, RateTableError, rateTableFor } from '../../domain/shipping/rates/loadRateTable';
import { carrierPackingLimits, ItemTooLargeError, limitProblem, type PackingLine, type Parcel, packingLimits, planParcels } from '../../domain/shipping/rates/planParcels';
import { CarrierRefusedError, chooseCarrier, formatGrams, priceService, quoteOptions, quoteShipping, ShippingUnavailableError } from '../../domain/shipping/rates/quote';
import { quoteBasket } from '../../domain/shipping/rates/quoteBasket';
import { type RateTable, type RateTableInput, rateTableSchema } from '../../domain/shipping/rates/rateTable';
import { addWorkingDays, dispatchDate, promisedDate } from '../../domain/shipping/rates/workingDays';
import { zoneOf } from '../../domain/shipping/rates/zones';

const table: RateTable = rateTableFor({});
const rules = { ...table.dispatch, bankHolidays: table.bankHolidays };
// Monday 23 November 2026, 10:00 in London (GMT): before the cut-off on a working day.
const MONDAY_MORNING = new Date('2026-11-23T10:00:00Z');

const parcel = (weightGrams: number, sides: [number, number, number] = [300, 250, 40]): Parcel => ({
  lines: [{ lineNo: 1, sku: 'TEST', quantity: 1 }],
  weightGrams,
  lengthMm: sides[0],
  widthMm: sides[1],
  heightMm: sides[2],
});
const line = (lineNo: number, sku: string, quantity: number, weightGrams: number, sides: [number, number, number], extra: Partial<PackingLine> = {}): PackingLine => ({
  lineNo,
  sku,
  quantity,
  weightGrams,
  lengthMm: sides[0],
  widthMm: sides[1],
  heightMm: sides[2],
  ...extra,
});
const HOODIE: [number, number, number] = [350, 300, 80];
const TEE: [number, number, number] = [300, 250, 30];

/** A copy of the default table with some changes, validated like a SHIPPING_RATES_FILE would be. */
function tableWith(change: (t: RateTableInput) => void): RateTable {
  const copy = structuredClone(DEFAULT_RATE_TABLE);
  change(copy);
  return rateTableSchema.parse(copy);
}

describe('zones', () => {
  test.each([
    ['GB', 'UK'],
    ['gb', 'UK'],
    ['UK', 'UK'],
    ['JE', 'UK'],
    ['GG', 'UK'],
    ['IM', 'UK'],
    ['FR', 'EU'],
    ['DE', 'EU'],
    ['IE', 'EU'],
    ['GR', 'EU'],
    ['HU', 'EU'],
    ['CH', 'ROW'],
    ['NO', 'ROW'],
    ['US', 'ROW'],
    ['AU', 'ROW'],
  ])('%s ships as %s', (country, zone) => {
    expect(zoneOf(country)).toBe(zone);
  });
});

describe('weight bands', () => {
  test('a band includes its upper bound; one gram more is the next band', () => {
    expect(priceService(table, 'royal-mail', 'tracked-48', 'UK', [parcel(1000)])).toMatchObject({ costPence: 339 });
    expect(priceService(table, 'royal-mail', 'tracked-48', 'UK', [parcel(1001)])).toMatchObject({ costPence: 419 });
    expect(priceService(table, 'royal-mail', 'tracked-48', 'UK', [parcel(20_000)])).toMatchObject({ costPence: 1299 });
  });

  test('a parcel above the heaviest band, or over the carrier limits, cannot go with that service', () => {
    expect(priceService(table, 'royal-mail', 'international-tracked', 'EU', [parcel(2001)])).toEqual({ problem: expect.stringContaining('over the heaviest') });
    expect(priceService(table, 'royal-mail', 'tracked-48', 'UK', [parcel(1000, [700, 300, 100])])).toEqual({ problem: expect.stringContaining('610 mm') });
    expect(priceService(table, 'dpd', 'next-day', 'EU', [parcel(1000)])).toEqual({ problem: expect.stringContaining('does not go to EU') });
  });

  test('several parcels cost the sum of their bands', () => {
    expect(priceService(table, 'dpd', 'next-day', 'UK', [parcel(1500), parcel(4000)])).toMatchObject({ costPence: 695 + 795 });
  });
});

describe('working days, cut-off and bank holidays', () => {
  test('before the cut-off an order leaves today; from the cut-off on, the next working day', () => {
    expect(dispatchDate(new Date('2026-11-23T13:59:00Z'), rules)).toBe('2026-11-23');
    expect(dispatchDate(new Date('2026-11-23T14:00:00Z'), rules)).toBe('2026-11-24');
  });

  test('the cut-off is London time: 13:30 UTC in June is 14:30 BST, too late', () => {
    expect(dispatchDate(new Date('2026-06-01T13:30:00Z'), rules)).toBe('2026-06-02');
    expect(dispatchDate(new Date('2026-01-06T13:30:00Z'), rules)).toBe('2026-01-06');
  });

  test('weekends are skipped', () => {
    expect(dispatchDate(new Date('2026-11-27T15:00:00Z'), rules)).toBe('2026-11-30'); // Friday afternoon → Monday
    expect(dispatchDate(new Date('2026-11-28T09:00:00Z'), rules)).toBe('2026-11-30'); // Saturday → Monday
    expect(addWorkingDays('2026-11-26', 2, rules.bankHolidays)).toBe('2026-11-30'); // Thursday + 2 → Monday
  });

  test('bank holidays are skipped: Christmas 2026 and Easter 2026', () => {
    // Thu 24 Dec after the cut-off: 25 Dec (Fri), the weekend and the Boxing Day substitute (Mon 28) are off.
    expect(dispatchDate(new Date('2026-12-24T15:00:00Z'), rules)).toBe('2026-12-29');
    // Thu 2 April after the cut-off: Good Friday and Easter Monday are off.
    expect(dispatchDate(new Date('2026-04-02T13:30:00Z'), rules)).toBe('2026-04-07');
    expect(promisedDate(new Date('2026-04-02T08:00:00Z'), 1, rules)).toBe('2026-04-07');
  });

  test('the promise counts working days from dispatch', () => {
    expect(promisedDate(MONDAY_MORNING, 3, rules)).toBe('2026-11-26');
    expect(promisedDate(MONDAY_MORNING, 1, rules)).toBe('2026-11-24');
    expect(promisedDate(new Date('2026-11-27T15:00:00Z'), 1, rules)).toBe('2026-12-01'); // Friday late: out Monday, in Tuesday
  });
});

describe('quotes: each level at the price of the cheapest carrier keeping its promise', () => {
  test('UK: standard, express and next day, each with its promised date', () => {
    const options = quoteOptions({ table, country: 'GB', parcels: [parcel(800)], now: MONDAY_MORNING });
    expect(options).toEqual([
      expect.objectContaining({ level: 'standard', pricePence: 339, costPence: 339, currency: 'GBP', carrier: 'royal-mail', service: 'tracked-48', promisedDate: '2026-11-26' }),
      expect.objectContaining({ level: 'express', pricePence: 439, carrier: 'royal-mail', service: 'tracked-24', promisedDate: '2026-11-25' }),
      expect.objectContaining({ level: 'next_day', pricePence: 695, carrier: 'dpd', service: 'next-day', promisedDate: '2026-11-24' }),
    ]);
    for (const o of options) expect(Number.isSafeInteger(o.pricePence)).toBe(true);
  });

  test('the reason ranks the carriers that keep the promise', () => {
    const choice = chooseCarrier({ table, level: 'next_day', zone: 'UK', parcels: [parcel(800)], now: MONDAY_MORNING });
    expect(choice).toMatchObject({ carrier: 'dpd', service: 'next-day', costPence: 695 });
    expect(choice.reason).toMatch(/^cheapest of 5 meeting the next-day promise to UK \(by 2026-11-24\): dpd £6\.95 < ups £8\.40 < fedex £9\.10 < royal-mail £9\.85 < dhl £11\.50$/);
  });

  test('EU: no next day (UK only), and the cheapest standard is not Royal Mail', () => {
    const quote = quoteShipping({ table, country: 'FR', parcels: [parcel(800)], now: MONDAY_MORNING });
    expect(quote.zone).toBe('EU');
    expect(quote.options.map((o) => [o.level, o.carrier, o.pricePence])).toEqual([
      ['standard', 'dpd', 1395],
      ['express', 'dhl', 2390],
    ]);
    expect(quote.unavailable).toEqual([{ level: 'next_day', reason: 'next-day delivery is offered to UK addresses only, not EU' }]);
  });

  test('a carrier that cannot take the parcel drops out: 3 kg to the US is too heavy for Royal Mail International', () => {
    const standard = quoteOptions({ table, country: 'US', parcels: [parcel(3000)], now: MONDAY_MORNING }).find((o) => o.level === 'standard');
    expect(standard).toMatchObject({ carrier: 'fedex', service: 'economy', pricePence: 3790 });
    expect(standard?.reason).not.toContain('royal-mail');
    const light = quoteOptions({ table, country: 'US', parcels: [parcel(400)], now: MONDAY_MORNING }).find((o) => o.level === 'standard');
    expect(light).toMatchObject({ carrier: 'royal-mail', service: 'international-tracked', pricePence: 1495 });
  });

  test('a cheaper service too slow for the promise is passed over', () => {
    const slowCheap = tableWith((t) => {
      t.carriers.dpd!.services['two-day-saver'] = { level: 'standard', zones: { UK: { transitDays: 4, bands: [{ upToGrams: 30_000, pence: 199 }] } } };
    });
    const choice = chooseCarrier({ table: slowCheap, level: 'standard', zone: 'UK', parcels: [parcel(800)], now: MONDAY_MORNING });
    expect(choice).toMatchObject({ carrier: 'royal-mail', service: 'tracked-48', costPence: 339 });
    // With a promise loose enough, the same service wins.
    const loose = tableWith((t) => {
      t.carriers.dpd!.services['two-day-saver'] = { level: 'standard', zones: { UK: { transitDays: 4, bands: [{ upToGrams: 30_000, pence: 199 }] } } };
      t.promises.standard.UK = 5;
    });
    expect(chooseCarrier({ table: loose, level: 'standard', zone: 'UK', parcels: [parcel(800)], now: MONDAY_MORNING })).toMatchObject({ service: 'two-day-saver', costPence: 199 });
  });

  test('a faster service carries a slower level when it is cheaper, never the other way round', () => {
    const cheapExpress = tableWith((t) => {
      t.carriers['royal-mail']!.services['tracked-24'].zones.UK!.bands[0].pence = 299;
    });
    expect(chooseCarrier({ table: cheapExpress, level: 'standard', zone: 'UK', parcels: [parcel(800)], now: MONDAY_MORNING })).toMatchObject({ service: 'tracked-24', costPence: 299 });
    const cheapStandard = tableWith((t) => {
      t.carriers.ups!.services.standard.zones.UK!.bands[0].pence = 100; // two days: within the express promise, but sold as standard
    });
    expect(chooseCarrier({ table: cheapStandard, level: 'express', zone: 'UK', parcels: [parcel(800)], now: MONDAY_MORNING })).toMatchObject({ service: 'tracked-24' });
  });

  test('a level no carrier can keep for these parcels is refused with the reason', () => {
    const noNextDay = tableWith((t) => {
      delete t.carriers.ups!.services['express-saver'];
      delete t.carriers.fedex!.services.priority;
      delete t.carriers.dhl!.services['express-worldwide'];
      delete t.carriers.dpd!.services['next-day'];
      delete t.carriers['royal-mail']!.services['special-delivery-1pm'];
    });
    expect(() => chooseCarrier({ table: noNextDay, level: 'next_day', zone: 'UK', parcels: [parcel(800)], now: MONDAY_MORNING })).toThrow(ShippingUnavailableError);
    expect(() => chooseCarrier({ table, level: 'next_day', zone: 'EU', parcels: [parcel(800)], now: MONDAY_MORNING })).toThrow('offered to UK addresses only');
  });
});

describe("an admin's carrier override", () => {
  test("prices that carrier's service for the level and says what the automatic choice was", () => {
    const choice = chooseCarrier({ table, level: 'next_day', zone: 'UK', parcels: [parcel(800)], now: MONDAY_MORNING, carrier: 'royal-mail' });
    expect(choice).toMatchObject({ carrier: 'royal-mail', service: 'special-delivery-1pm', costPence: 985 });
    expect(choice.reason).toContain('automatic choice was dpd next-day £6.95');
  });

  test("takes the carrier's service at the level, not a faster dearer one", () => {
    expect(chooseCarrier({ table, level: 'standard', zone: 'UK', parcels: [parcel(800)], now: MONDAY_MORNING, carrier: 'ups' })).toMatchObject({ service: 'standard', costPence: 690 });
  });

  test('lacking a service at the level, takes its nearest faster one', () => {
    expect(chooseCarrier({ table, level: 'standard', zone: 'UK', parcels: [parcel(800)], now: MONDAY_MORNING, carrier: 'dpd' })).toMatchObject({ service: 'next-day', costPence: 695 });
  });

  test('refuses a carrier that cannot carry the parcels to the zone, or only slower', () => {
    const refusal = (carrier: string, level: 'standard' | 'express', zone: 'UK' | 'EU' | 'ROW', weight: number) => {
      try {
        chooseCarrier({ table, level, zone, parcels: [parcel(weight)], now: MONDAY_MORNING, carrier });
      } catch (err) {
        expect(err).toBeInstanceOf(CarrierRefusedError);
        return (err as Error).message;
      }
      throw new Error('not refused');
    };
    expect(refusal('royal-mail', 'standard', 'ROW', 5000)).toContain('cannot carry');
    expect(refusal('dpd', 'standard', 'ROW', 800)).toBe('dpd does not deliver to ROW');
    expect(refusal('dpd', 'express', 'EU', 800)).toBe('dpd has no express (or faster) service to EU');
    expect(refusal('hermes', 'standard', 'UK', 800)).toBe('hermes is not a carrier in the rate table');
  });
});

describe('planning parcels', () => {
  const SMALL = { maxWeightGrams: 2000, maxLengthMm: 610, maxWidthMm: 460, maxHeightMm: 460 };

  test('splits by weight, heaviest first, and is deterministic', () => {
    const lines = [line(1, 'TEE', 2, 300, TEE), line(2, 'HOODIE', 3, 750, HOODIE)];
    const plan = planParcels(lines, SMALL);
    expect(plan.map((p) => ({ lines: p.lines, weightGrams: p.weightGrams }))).toEqual([
      { lines: [{ lineNo: 1, sku: 'TEE', quantity: 1 }, { lineNo: 2, sku: 'HOODIE', quantity: 2 }], weightGrams: 1800 },
      { lines: [{ lineNo: 1, sku: 'TEE', quantity: 1 }, { lineNo: 2, sku: 'HOODIE', quantity: 1 }], weightGrams: 1050 },
    ]);
    expect(planParcels([...lines].reverse(), SMALL)).toEqual(plan);
  });

  test('splits by size: folded hoodies pile up 80 mm each, and a pile over 610 mm is too long', () => {
    const plan = planParcels([line(1, 'HOODIE', 10, 750, HOODIE)], { ...SMALL, maxWeightGrams: 20_000 });
    expect(plan.map((p) => p.lines[0].quantity)).toEqual([7, 3]);
    expect(plan.map((p) => p.weightGrams)).toEqual([5250, 2250]);
    expect(plan[0]).toMatchObject({ lengthMm: 560, widthMm: 350, heightMm: 300 });
  });

  test('an item packed separately gets a parcel of its own', () => {
    const plan = planParcels([line(1, 'TEE', 1, 300, TEE), line(2, 'CAP', 2, 150, [250, 200, 120], { packSeparately: true })], SMALL);
    expect(plan.map((p) => p.lines)).toEqual([[{ lineNo: 1, sku: 'TEE', quantity: 1 }], [{ lineNo: 2, sku: 'CAP', quantity: 1 }], [{ lineNo: 2, sku: 'CAP', quantity: 1 }]]);
  });

  test('one item over the limits is a clear error naming the line', () => {
    expect(() => planParcels([line(1, 'TEE', 1, 300, TEE), line(2, 'ANVIL', 1, 2500, [200, 200, 200])], SMALL)).toThrow(ItemTooLargeError);
    expect(() => planParcels([line(2, 'ANVIL', 1, 2500, [200, 200, 200])], SMALL)).toThrow('line 2 (ANVIL) cannot be shipped: a single item is over the parcel limits (2500 g is over 2000 g)');
    expect(() => planParcels([line(1, 'ROLL', 1, 500, [2000, 100, 100])], packingLimits(table, 'UK'))).not.toThrow();
    expect(() => planParcels([line(1, 'ROLL', 1, 500, [3000, 100, 100])], packingLimits(table, 'UK'))).toThrow(ItemTooLargeError);
  });

  test('packs for the most permissive carrier serving the zone; abroad Royal Mail stops at 2 kg', () => {
    expect(packingLimits(table, 'UK').maxWeightGrams).toBe(70_000);
    expect(packingLimits(table, 'ROW').maxWeightGrams).toBe(70_000);
    const limited = tableWith((t) => {
      t.carriers = { 'royal-mail': t.carriers['royal-mail'] };
    });
    expect(packingLimits(limited, 'EU').maxWeightGrams).toBe(2000);
    expect(packingLimits(limited, 'UK').maxWeightGrams).toBe(20_000);
  });

  test('a basket that splits is quoted over all its parcels', () => {
    const limited = tableWith((t) => {
      t.carriers = { 'royal-mail': t.carriers['royal-mail'] };
    });
    const quote = quoteBasket({ table: limited, country: 'FR', lines: [line(1, 'PUFFER', 2, 1200, [500, 400, 150])], now: MONDAY_MORNING });
    expect(quote.parcels.map((p) => p.weightGrams)).toEqual([1200, 1200]);
    expect(quote.options).toEqual([expect.objectContaining({ level: 'standard', carrier: 'royal-mail', pricePence: 1995 * 2 })]);
    expect(quote.options[0].reason).toContain('for 2 parcels');
  });
});

describe('VAT on delivery follows the goods', () => {
  test('one rate: the delivery charge carries it', () => {
    expect(deliveryVatPence(339, [{ grossPence: 7000, vatRateBp: 2000 }])).toBe(57);
    expect(deliveryVatPence(0, [{ grossPence: 7000, vatRateBp: 2000 }])).toBe(0);
  });
  test('mixed rates: split by the value of the goods at each rate', () => {
    expect(deliveryVatPence(1000, [{ grossPence: 3000, vatRateBp: 2000 }, { grossPence: 1000, vatRateBp: 0 }])).toBe(125);
  });
});

describe('the rate table as configuration', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dy-rates-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, content: unknown) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
    return file;
  };

  test('the built-in table is valid and offers standard everywhere for a tee', () => {
    expect(rateTableSchema.safeParse(DEFAULT_RATE_TABLE).success).toBe(true);
    for (const country of ['GB', 'FR', 'US']) expect(quoteOptions({ table, country, parcels: [parcel(300)], now: MONDAY_MORNING }).map((o) => o.level)).toContain('standard');
  });

  test('a file with the same shape replaces it', () => {
    const copy = structuredClone(DEFAULT_RATE_TABLE);
    copy.carriers['royal-mail']!.services['tracked-48'].zones.UK!.bands[0].pence = 299;
    const file = write('cheaper.json', copy);
    expect(loadConfig({ NODE_ENV: 'development', SHIPPING_RATES_FILE: file }).SHIPPING_RATES_FILE).toBe(file);
    const fromFile = rateTableFor({ SHIPPING_RATES_FILE: file });
    expect(quoteOptions({ table: fromFile, country: 'GB', parcels: [parcel(800)], now: MONDAY_MORNING })[0]).toMatchObject({ level: 'standard', pricePence: 299 });
  });

  test('a bad file stops the start with every problem, each naming the file and the field', () => {
    const copy = structuredClone(DEFAULT_RATE_TABLE) as any;
    copy.carriers.dpd.services['next-day'].zones.UK.bands[1].upToGrams = 1000; // below the band before it
    copy.carriers.dpd.services['next-day'].zones.UK.bands[2].pence = 9.95; // pounds, not pence
    copy.promises.express.UK = 0;
    const file = write('bad.json', copy);
    let error: ConfigError | undefined;
    try {
      loadConfig({ NODE_ENV: 'development', SHIPPING_RATES_FILE: file });
    } catch (err) {
      error = err as ConfigError;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect(error?.problems).toEqual(
      expect.arrayContaining([
        `SHIPPING_RATES_FILE: ${file}: carriers.dpd.services.next-day.zones.UK.bands.2.pence: must be whole pence`,
        `SHIPPING_RATES_FILE: ${file}: promises.express.UK: must be at least 1`,
      ]),
    );
    // Refinements run once the shapes are right: the band order is its own message.
    copy.carriers.dpd.services['next-day'].zones.UK.bands[2].pence = 995;
    copy.promises.express.UK = 2;
    expect(() => loadRateTableFile(write('order.json', copy))).toThrow('carriers.dpd.services.next-day.zones.UK.bands.1.upToGrams: must be greater than the band before it');
  });

  test('a missing file and broken JSON are named too', () => {
    expect(() => loadRateTableFile(path.join(dir, 'nope.json'))).toThrow(RateTableError);
    expect(() => loadRateTableFile(path.join(dir, 'nope.json'))).toThrow(/nope\.json is invalid: cannot be read \(ENOENT\)/);
    expect(() => loadRateTableFile(write('broken.json', '{"currency": '))).toThrow(/broken\.json is invalid: is not valid JSON/);
    const typo = structuredClone(DEFAULT_RATE_TABLE) as any;
    typo.carriers.hermes = typo.carriers.dpd;
    expect(() => loadRateTableFile(write('typo.json', typo))).toThrow(/carriers\.hermes/);
  });
});

describe('parcel limits and weights in words', () => {
  test('length plus girth is measured on the packed sides, longest first', () => {
    const ups = table.carriers.ups!.limits;
    expect(limitProblem(ups, 10_000, [700, 1_000, 800])).toBeUndefined(); // 1000 + 2 × (800 + 700) = 4000
    expect(limitProblem(ups, 10_000, [701, 1_000, 800])).toBe('length plus girth 4002 mm is over 4000 mm');
    expect(limitProblem(table.carriers['royal-mail']!.limits, 20_001, [10, 10, 10])).toBe('20001 g is over 20000 g');
  });

  test("a known carrier packs for its own limits, capped by its heaviest band in the zone at the level or faster", () => {
    expect(carrierPackingLimits(table, 'royal-mail', 'UK', 'standard')).toMatchObject({ maxWeightGrams: 20_000, maxLengthMm: 610 });
    expect(carrierPackingLimits(table, 'royal-mail', 'EU', 'standard')).toMatchObject({ maxWeightGrams: 2_000 });
    expect(carrierPackingLimits(table, 'dpd', 'ROW', 'standard')).toBeUndefined();
    expect(carrierPackingLimits(table, 'royal-mail', 'EU', 'next_day')).toBeUndefined();
    expect(carrierPackingLimits(table, 'hermes', 'UK', 'standard')).toBeUndefined();
  });

  test.each([
    [800, '800 g'],
    [999, '999 g'],
    [1_000, '1 kg'],
    [1_500, '1.5 kg'],
    [1_949, '1.9 kg'],
    [1_950, '2 kg'],
    [20_000, '20 kg'],
  ])('%i g reads %s', (grams, words) => {
    expect(formatGrams(grams)).toBe(words);
  });
});
