import { carriersOf, LEVEL_RANK, type ParcelLimits, type RateTable, type ServiceLevel, type ShippingZone } from './rateTable';

import type { ParcelLine, Parcel as ShippedParcel } from '../parcel';

/** One order line as the warehouse packs it: per-unit packed weight and folded size. */
export interface PackingLine {
  lineNo: number;
  sku: string;
  quantity: number;
  weightGrams: number;
  lengthMm: number;
  widthMm: number;
  heightMm: number;
  /** Goes in a box of its own (boxed caps, anything that must not be squashed). */
  packSeparately?: boolean;
}

export type { ParcelLine } from '../parcel';

/** A planned parcel: what the shipment workflow carries, plus the box size the carriers' limits are checked on. */
export interface Parcel extends ShippedParcel {
  /** Sides of the packed parcel, longest first. */
  lengthMm: number;
  widthMm: number;
  heightMm: number;
}

/** An item no parcel can take: the order cannot ship as it is, which no retry will change. */
export class ItemTooLargeError extends Error {
  override readonly name = 'ItemTooLargeError';
  constructor(
    message: string,
    readonly lineNo: number,
    readonly sku: string,
  ) {
    super(message);
  }
}

type Sides = [number, number, number];
const sorted = (a: number, b: number, c: number): Sides => [a, b, c].sort((x, y) => y - x) as Sides;

/** Why a parcel of this weight and size breaks the limits, or undefined when it fits. */
export function limitProblem(limits: ParcelLimits, weightGrams: number, sides: Sides): string | undefined {
  const [l, w, h] = sorted(...sides);
  if (weightGrams > limits.maxWeightGrams) return `${weightGrams} g is over ${limits.maxWeightGrams} g`;
  if (l > limits.maxLengthMm) return `its ${l} mm side is over ${limits.maxLengthMm} mm`;
  if (limits.maxWidthMm !== undefined && w > limits.maxWidthMm) return `its ${w} mm width is over ${limits.maxWidthMm} mm`;
  if (limits.maxHeightMm !== undefined && h > limits.maxHeightMm) return `its ${h} mm height is over ${limits.maxHeightMm} mm`;
  if (limits.maxLengthPlusGirthMm !== undefined && l + 2 * (w + h) > limits.maxLengthPlusGirthMm) return `length plus girth ${l + 2 * (w + h)} mm is over ${limits.maxLengthPlusGirthMm} mm`;
  return undefined;
}

interface OpenParcel {
  units: Array<{ lineNo: number; sku: string }>;
  weightGrams: number;
  /** Footprint (longest items' length and width) and the pile's height: the pile grows on the third only. */
  sides: Sides;
  sealed: boolean;
}

/**
 * Clothes are folded flat and stacked: the parcel is as long and wide as its largest item and as high as
 * the items piled up. Rough, but it errs towards bigger parcels, never towards one a carrier turns away.
 */
const stacked = (pile: Sides, item: Sides): Sides => [Math.max(pile[0], item[0]), Math.max(pile[1], item[1]), pile[2] + item[2]];

/**
 * Splits an order into parcels within `limits`: heaviest units first, each into the first parcel it still
 * fits (first-fit decreasing keeps the count low), `packSeparately` units alone. Same lines, same parcels.
 */
export function planParcels(lines: readonly PackingLine[], limits: ParcelLimits): Parcel[] {
  const units = [...lines]
    .sort((a, b) => a.lineNo - b.lineNo)
    .flatMap((line) => {
      const sides = sorted(line.lengthMm, line.widthMm, line.heightMm);
      const problem = limitProblem(limits, line.weightGrams, sides);
      if (problem) throw new ItemTooLargeError(`line ${line.lineNo} (${line.sku}) cannot be shipped: a single item is over the parcel limits (${problem})`, line.lineNo, line.sku);
      return Array.from({ length: line.quantity }, () => ({ line, sides }));
    })
    // Stable sort: equal weights keep line order, so the plan never depends on anything but the input.
    .sort((a, b) => b.line.weightGrams - a.line.weightGrams);

  const parcels: OpenParcel[] = [];
  for (const { line, sides } of units) {
    const unit = { lineNo: line.lineNo, sku: line.sku };
    if (line.packSeparately) {
      parcels.push({ units: [unit], weightGrams: line.weightGrams, sides, sealed: true });
      continue;
    }
    const target = parcels.find((p) => !p.sealed && !limitProblem(limits, p.weightGrams + line.weightGrams, stacked(p.sides, sides)));
    if (target) {
      target.units.push(unit);
      target.weightGrams += line.weightGrams;
      target.sides = stacked(target.sides, sides);
    } else {
      parcels.push({ units: [unit], weightGrams: line.weightGrams, sides, sealed: false });
    }
  }

  return parcels.map((p) => {
    const byLine = new Map<number, ParcelLine>();
    for (const u of p.units) {
      const entry = byLine.get(u.lineNo);
      if (entry) entry.quantity++;
      else byLine.set(u.lineNo, { lineNo: u.lineNo, sku: u.sku, quantity: 1 });
    }
    const [lengthMm, widthMm, heightMm] = sorted(...p.sides);
    return { lines: [...byLine.values()].sort((a, b) => a.lineNo - b.lineNo), weightGrams: p.weightGrams, lengthMm, widthMm, heightMm };
  });
}

/**
 * The limits to pack for, for a zone (and a level, when known): those of the carrier that takes the
 * heaviest parcels there among those serving it. A carrier's heaviest band in the zone counts as its limit
 * too (Royal Mail takes 20 kg at home but 2 kg abroad). Parcels planned this way fit at least that carrier;
 * quotes then keep only the services able to carry every parcel.
 */
export function packingLimits(table: RateTable, zone: ShippingZone, level?: ServiceLevel): ParcelLimits {
  let best: ParcelLimits | undefined;
  for (const [, carrier] of carriersOf(table)) {
    const heaviestBand = Math.max(
      0,
      ...Object.values(carrier.services)
        .filter((s) => level === undefined || LEVEL_RANK[s.level] >= LEVEL_RANK[level])
        .map((s) => s.zones[zone]?.bands.at(-1)?.upToGrams ?? 0),
    );
    if (heaviestBand === 0) continue;
    const limits = { ...carrier.limits, maxWeightGrams: Math.min(carrier.limits.maxWeightGrams, heaviestBand) };
    if (!best || limits.maxWeightGrams > best.maxWeightGrams || (limits.maxWeightGrams === best.maxWeightGrams && limits.maxLengthMm > best.maxLengthMm)) best = limits;
  }
  if (!best) throw new Error(`the rate table has no carrier serving ${zone}${level ? ` at ${level} or faster` : ''}`);
  return best;
}

/**
 * The limits to pack for when the carrier is already known (an admin's choice, or the one recorded at
 * checkout): its own limits, its weight capped by its heaviest band in the zone at the level or faster.
 * Undefined when it has no such service there.
 */
export function carrierPackingLimits(table: RateTable, carrier: string, zone: ShippingZone, level: ServiceLevel): ParcelLimits | undefined {
  const rates = carriersOf(table).find(([name]) => name === carrier)?.[1];
  if (!rates) return undefined;
  const heaviestBand = Math.max(
    0,
    ...Object.values(rates.services)
      .filter((s) => LEVEL_RANK[s.level] >= LEVEL_RANK[level])
      .map((s) => s.zones[zone]?.bands.at(-1)?.upToGrams ?? 0),
  );
  return heaviestBand === 0 ? undefined : { ...rates.limits, maxWeightGrams: Math.min(rates.limits.maxWeightGrams, heaviestBand) };
}
