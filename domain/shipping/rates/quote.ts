import { type CarrierChoice, SERVICE_LEVELS } from '../serviceLevels';
import { formatPence } from '../../../lib/money';
import type { Parcel } from './planParcels';
import { limitProblem } from './planParcels';
import { type CarrierName, carriersOf, LEVEL_LABEL, LEVEL_RANK, type RateTable, type ServiceLevel, type ShippingZone } from './rateTable';
import { promisedDate } from './workingDays';
import { SHIPPING_ZONES, zoneOf } from './zones';

/** What one carrier service would charge to take every parcel of an order to a zone. */
export interface ServicePrice {
  carrier: CarrierName;
  service: string;
  level: ServiceLevel;
  transitDays: number;
  costPence: number;
}

export interface ShippingOption {
  level: ServiceLevel;
  pricePence: number;
  currency: 'GBP';
  promisedDate: string;
  carrier: CarrierName;
  service: string;
  costPence: number;
  reason: string;
}

export interface ShippingQuote {
  zone: ShippingZone;
  options: ShippingOption[];
  /** Levels the store has but cannot offer here, each with the reason a customer can be told. */
  unavailable: Array<{ level: ServiceLevel; reason: string }>;
}

/** The level cannot be offered for this destination and these parcels (a customer's choice to refuse). */
export class ShippingUnavailableError extends Error {
  override readonly name = 'ShippingUnavailableError';
  constructor(
    message: string,
    readonly level: ServiceLevel,
    readonly zone: ShippingZone,
  ) {
    super(message);
  }
}

/** An admin's carrier cannot take this order (unknown, not serving the zone, parcels too big, too slow). */
export class CarrierRefusedError extends Error {
  override readonly name = 'CarrierRefusedError';
  constructor(
    message: string,
    readonly carrier: string,
  ) {
    super(message);
  }
}

const parcelsText = (parcels: readonly Parcel[]): string => {
  const total = parcels.reduce((sum, p) => sum + p.weightGrams, 0);
  return `${parcels.length} parcel${parcels.length === 1 ? '' : 's'} (${formatGrams(total)})`;
};
/** 1500 → "1.5 kg", 800 → "800 g": integer arithmetic only. */
export function formatGrams(grams: number): string {
  if (grams < 1000) return `${grams} g`;
  const tenths = (grams + 50 - ((grams + 50) % 100)) / 100; // rounded half up, exact in integers
  return tenths % 10 === 0 ? `${tenths / 10} kg` : `${(tenths - (tenths % 10)) / 10}.${tenths % 10} kg`;
}

/** The cost of one service for all parcels, or why it cannot take them. */
export function priceService(table: RateTable, carrier: CarrierName, service: string, zone: ShippingZone, parcels: readonly Parcel[]): ServicePrice | { problem: string } {
  const rates = table.carriers[carrier];
  const def = rates?.services[service];
  if (!rates || !def) return { problem: `${carrier} has no service ${service}` };
  const zoneRate = def.zones[zone];
  if (!zoneRate) return { problem: `${carrier} ${service} does not go to ${zone}` };
  let costPence = 0;
  for (const [i, parcel] of parcels.entries()) {
    const problem = limitProblem(rates.limits, parcel.weightGrams, [parcel.lengthMm, parcel.widthMm, parcel.heightMm]);
    if (problem) return { problem: `parcel ${i + 1} is too big for ${carrier}: ${problem}` };
    const band = zoneRate.bands.find((b) => parcel.weightGrams <= b.upToGrams);
    if (!band) return { problem: `parcel ${i + 1} (${formatGrams(parcel.weightGrams)}) is over the heaviest ${carrier} ${service} band to ${zone}` };
    costPence += band.pence;
  }
  return { carrier, service, level: def.level, transitDays: zoneRate.transitDays, costPence };
}

const isPrice = (p: ServicePrice | { problem: string }): p is ServicePrice => !('problem' in p);

/** Cheapest first; ties go to the faster service, then by name, so the choice never wobbles. */
const byCost = (a: ServicePrice, b: ServicePrice): number =>
  a.costPence - b.costPence || a.transitDays - b.transitDays || (a.carrier < b.carrier ? -1 : a.carrier > b.carrier ? 1 : 0) || (a.service < b.service ? -1 : a.service > b.service ? 1 : 0);

/** Every carrier service able to carry all the parcels to the zone. */
export function servicesFor(table: RateTable, zone: ShippingZone, parcels: readonly Parcel[]): ServicePrice[] {
  return carriersOf(table)
    .flatMap(([carrier, rates]) => Object.keys(rates.services).map((service) => priceService(table, carrier, service, zone, parcels)))
    .filter(isPrice)
    .sort(byCost);
}

export function promiseDays(table: RateTable, level: ServiceLevel, zone: ShippingZone): number | undefined {
  return table.promises[level][zone];
}

const dispatchRules = (table: RateTable) => ({ ...table.dispatch, bankHolidays: table.bankHolidays });

/**
 * The services that keep a level's promise: sold at that level or a faster one, and no slower than the
 * promise. A faster service wins a slower level when it is the cheaper one.
 */
export function candidatesFor(table: RateTable, level: ServiceLevel, zone: ShippingZone, parcels: readonly Parcel[]): ServicePrice[] {
  const days = promiseDays(table, level, zone);
  if (days === undefined) return [];
  return servicesFor(table, zone, parcels).filter((s) => LEVEL_RANK[s.level] >= LEVEL_RANK[level] && s.transitDays <= days);
}

function unavailableReason(table: RateTable, level: ServiceLevel, zone: ShippingZone, parcels: readonly Parcel[]): string {
  const label = LEVEL_LABEL[level];
  const days = promiseDays(table, level, zone);
  if (days === undefined) {
    const served = SHIPPING_ZONES.filter((z) => table.promises[level][z] !== undefined);
    return served.length === 0 ? `${label} delivery is not offered` : `${label} delivery is offered to ${served.join(' and ')} addresses only, not ${zone}`;
  }
  return `no carrier can take ${parcelsText(parcels)} to ${zone} within the ${label} promise of ${days} working day${days === 1 ? '' : 's'}`;
}

function autoReason(table: RateTable, level: ServiceLevel, zone: ShippingZone, parcels: readonly Parcel[], candidates: ServicePrice[], by: string): string {
  const bestPerCarrier = candidates.filter((c, i) => candidates.findIndex((o) => o.carrier === c.carrier) === i);
  const label = LEVEL_LABEL[level];
  const several = parcels.length > 1 ? ` for ${parcels.length} parcels` : '';
  if (bestPerCarrier.length === 1) return `only ${bestPerCarrier[0].carrier} meets the ${label} promise to ${zone} (by ${by})${several}: ${formatPence(bestPerCarrier[0].costPence)}`;
  const ranking = bestPerCarrier.map((c) => `${c.carrier} ${formatPence(c.costPence)}`).join(' < ');
  return `cheapest of ${bestPerCarrier.length} meeting the ${label} promise to ${zone} (by ${by})${several}: ${ranking}`;
}

/**
 * What a customer may choose for these parcels to this country, each level at the price of the cheapest
 * service that keeps its promise (the price is that service's cost: shipping is sold at cost).
 */
export function quoteShipping(args: { table: RateTable; country: string; parcels: readonly Parcel[]; now: Date }): ShippingQuote {
  const { table, parcels, now } = args;
  const zone = zoneOf(args.country);
  const options: ShippingOption[] = [];
  const unavailable: ShippingQuote['unavailable'] = [];
  for (const level of SERVICE_LEVELS) {
    const candidates = candidatesFor(table, level, zone, parcels);
    const days = promiseDays(table, level, zone);
    if (candidates.length === 0 || days === undefined) {
      unavailable.push({ level, reason: unavailableReason(table, level, zone, parcels) });
      continue;
    }
    const best = candidates[0];
    const date = promisedDate(now, days, dispatchRules(table));
    options.push({
      level,
      pricePence: best.costPence,
      currency: 'GBP',
      promisedDate: date,
      carrier: best.carrier,
      service: best.service,
      costPence: best.costPence,
      reason: autoReason(table, level, zone, parcels, candidates, date),
    });
  }
  return { zone, options, unavailable };
}

export function quoteOptions(args: { table: RateTable; country: string; parcels: readonly Parcel[]; now: Date }): ShippingOption[] {
  return quoteShipping(args).options;
}

/**
 * The carrier for an order's level: the cheapest that keeps the promise, or, with `carrier` (an admin's
 * override), that carrier's cheapest service at the level or, lacking one, at the nearest faster level.
 */
export function chooseCarrier(args: { table: RateTable; level: ServiceLevel; zone: ShippingZone; parcels: readonly Parcel[]; now: Date; carrier?: string }): CarrierChoice {
  const { table, level, zone, parcels, now } = args;
  const days = promiseDays(table, level, zone);
  const candidates = candidatesFor(table, level, zone, parcels);
  const by = days === undefined ? undefined : promisedDate(now, days, dispatchRules(table));
  if (args.carrier === undefined) {
    if (candidates.length === 0 || by === undefined) throw new ShippingUnavailableError(unavailableReason(table, level, zone, parcels), level, zone);
    const best = candidates[0];
    return { carrier: best.carrier, service: best.service, costPence: best.costPence, reason: autoReason(table, level, zone, parcels, candidates, by) };
  }

  const name = args.carrier;
  const rates = (table.carriers as Record<string, RateTable['carriers'][CarrierName]>)[name];
  if (!rates) throw new CarrierRefusedError(`${name} is not a carrier in the rate table`, name);
  const toZone = Object.keys(rates.services)
    .filter((service) => rates.services[service].zones[zone] !== undefined)
    .map((service) => priceService(table, name as CarrierName, service, zone, parcels));
  if (toZone.length === 0) throw new CarrierRefusedError(`${name} does not deliver to ${zone}`, name);
  const able = toZone.filter(isPrice);
  if (able.length === 0) throw new CarrierRefusedError(`${name} cannot carry ${parcelsText(parcels)} to ${zone}: ${(toZone[0] as { problem: string }).problem}`, name);
  const fastEnough = able.filter((s) => LEVEL_RANK[s.level] >= LEVEL_RANK[level]);
  if (fastEnough.length === 0) throw new CarrierRefusedError(`${name} has no ${LEVEL_LABEL[level]} (or faster) service to ${zone}`, name);
  const nearestRank = Math.min(...fastEnough.map((s) => LEVEL_RANK[s.level]));
  const chosen = fastEnough.filter((s) => LEVEL_RANK[s.level] === nearestRank).sort(byCost)[0];

  const label = LEVEL_LABEL[level];
  const late = days !== undefined && chosen.transitDays > days ? `; takes ${chosen.transitDays} working days, over the ${label} promise of ${days}` : '';
  const auto = candidates[0];
  const versus = auto ? `automatic choice was ${auto.carrier} ${auto.service} ${formatPence(auto.costPence)}` : `no carrier keeps the ${label} promise automatically`;
  return {
    carrier: chosen.carrier,
    service: chosen.service,
    costPence: chosen.costPence,
    reason: `${chosen.carrier} ${chosen.service} chosen by hand for ${label} to ${zone}: ${formatPence(chosen.costPence)}${late}; ${versus}`,
  };
}
