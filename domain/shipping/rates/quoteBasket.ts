import { type PackingLine, type Parcel, packingLimits, planParcels } from './planParcels';
import { quoteShipping, type ShippingQuote } from './quote';
import type { RateTable } from './rateTable';
import { zoneOf } from './zones';

/**
 * Packs a basket for its destination and quotes it. The quote endpoint, the checkout's validation and the
 * price recorded on the order all come through here, so a customer pays what they were shown.
 */
export function quoteBasket(args: { table: RateTable; country: string; lines: readonly PackingLine[]; now: Date }): ShippingQuote & { parcels: Parcel[] } {
  const { table, country, lines, now } = args;
  const parcels = planParcels(lines, packingLimits(table, zoneOf(country)));
  return { ...quoteShipping({ table, country, parcels, now }), parcels };
}
