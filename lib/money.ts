/** VAT contained in a VAT-inclusive gross amount, rounded half up, in integer pence only. */
export function vatIncluded(grossPence: number, rateBasisPoints: number): number {
  if (!Number.isSafeInteger(grossPence) || !Number.isSafeInteger(rateBasisPoints)) throw new Error('pence and rates are integers');
  const divisor = 10_000 + rateBasisPoints;
  return Math.floor((grossPence * rateBasisPoints * 2 + divisor) / (divisor * 2));
}

/** 7000 → "£70.00", 1167 → "£11.67", 5 → "£0.05", 123456 → "£1,234.56", -250 → "-£2.50". */
export function formatPence(pence: number): string {
  if (!Number.isSafeInteger(pence)) throw new RangeError(`an amount in pence must be a safe integer, got ${pence}`);
  const sign = pence < 0 ? '-' : '';
  const abs = pence < 0 ? -pence : pence;
  const pennies = abs % 100;
  // Exact: abs - pennies is a multiple of 100, so the division has no remainder to round.
  const pounds = (abs - pennies) / 100;
  const grouped = String(pounds).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${sign}£${grouped}.${String(pennies).padStart(2, '0')}`;
}
