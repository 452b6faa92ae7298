import type { Address } from '../carriers/carrier';

/**
 * The labels use PDFKit's built-in Helvetica, which only has the WinAnsi (Windows-1252) glyphs; any other
 * character would come out as garbage on a parcel a courier has to read. Accented letters outside that set
 * lose their accent (ő → o), a few letters with no decomposition are spelt out, the rest become '?'.
 */
const WIN_ANSI_EXTRAS = new Set('€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ');
const NO_DECOMPOSITION: Record<string, string> = { Ł: 'L', ł: 'l', Đ: 'D', đ: 'd', Ħ: 'H', ħ: 'h', ı: 'i', Ŀ: 'L', ŀ: 'l', Ŧ: 'T', ŧ: 't', ẞ: 'SS' };

function printable(ch: string): boolean {
  const c = ch.codePointAt(0) as number;
  return (c >= 0x20 && c <= 0x7e) || (c >= 0xa0 && c <= 0xff) || WIN_ANSI_EXTRAS.has(ch);
}

export function pdfText(value: string): string {
  let out = '';
  for (const ch of value.replace(/[\r\n\t]+/g, ' ')) {
    if (printable(ch)) {
      out += ch;
      continue;
    }
    const folded = ch.normalize('NFKD').replace(/\p{M}/gu, '');
    if (folded && [...folded].every(printable)) out += folded;
    else out += NO_DECOMPOSITION[ch] ?? '?';
  }
  return out;
}

const regions = new Intl.DisplayNames(['en-GB'], { type: 'region' });

export function countryName(code: string): string {
  try {
    return regions.of(code.toUpperCase()) ?? code.toUpperCase();
  } catch {
    return code.toUpperCase();
  }
}

/** Address lines in the order UK carriers read them: street, town, postcode, then the country in capitals. */
export function addressLines(address: Address): string[] {
  return [address.line1, address.line2, address.city, address.postcode.toUpperCase(), countryName(address.country).toUpperCase()].filter((l): l is string => Boolean(l && l.trim()));
}

export function kilograms(grams: number): string {
  return `${(grams / 1000).toFixed(2)} kg`;
}

// The warehouse reads local (UK) time, whatever time zone the server runs in.
const londonDate = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', day: '2-digit', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', hour12: false });

export function ukDateTime(at: Date): string {
  return londonDate.format(at);
}

const CARRIER_DISPLAY: Record<string, string> = { 'royal-mail': 'Royal Mail', dpd: 'DPD', fedex: 'FedEx', ups: 'UPS', dhl: 'DHL', sandbox: 'Sandbox carrier' };

export function carrierDisplayName(carrier: string): string {
  return CARRIER_DISPLAY[carrier] ?? carrier;
}

const SERVICE_LEVEL_DISPLAY: Record<string, string> = { standard: 'Standard', express: 'Express', next_day: 'Next day' };

export function serviceLevelDisplayName(level: string | null): string {
  if (!level) return 'Standard (not recorded)';
  return SERVICE_LEVEL_DISPLAY[level] ?? level;
}
