/** Rate tables price by zone, not by country: carriers publish their tariffs that way. */
export const SHIPPING_ZONES = ['UK', 'EU', 'ROW'] as const;
export type ShippingZone = (typeof SHIPPING_ZONES)[number];

/** The 27 member states by ISO 3166-1 alpha-2 (Greece is GR here, not the EU's own "EL"). */
export const EU_COUNTRIES: ReadonlySet<string> = new Set([
  'AT', 'BE', 'BG', 'HR', 'CY', 'CZ', 'DK', 'EE', 'FI', 'FR', 'DE', 'GR', 'HU', 'IE',
  'IT', 'LV', 'LT', 'LU', 'MT', 'NL', 'PL', 'PT', 'RO', 'SK', 'SI', 'ES', 'SE',
]);

/**
 * GB covers Northern Ireland too. Jersey, Guernsey and the Isle of Man are not the UK, but Royal Mail and the
 * couriers deliver there at domestic rates and times, so they ship as UK. (Jersey and Guernsey are outside the
 * UK VAT area: should the store ever zero-rate exports, that rule belongs with VAT, not with the carrier zone.)
 * "UK" is ISO's exceptionally reserved code that customers and some systems send for GB.
 */
const UK_COUNTRIES: ReadonlySet<string> = new Set(['GB', 'UK', 'JE', 'GG', 'IM']);

export function zoneOf(countryCode: string): ShippingZone {
  const code = countryCode.trim().toUpperCase();
  if (UK_COUNTRIES.has(code)) return 'UK';
  if (EU_COUNTRIES.has(code)) return 'EU';
  return 'ROW';
}
