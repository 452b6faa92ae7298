/** VAT contained in a VAT-inclusive gross amount, rounded half up, in integer pence only. */
export function vatIncluded(grossPence: number, rateBasisPoints: number): number {
  if (!Number.isSafeInteger(grossPence) || !Number.isSafeInteger(rateBasisPoints)) throw new Error('pence and rates are integers');
  const divisor = 10_000 + rateBasisPoints;
  return Math.floor((grossPence * rateBasisPoints * 2 + divisor) / (divisor * 2));
}
