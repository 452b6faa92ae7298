import { vatIncluded } from '../../../lib/money';

/**
 * The VAT a delivery charge includes. Delivery follows the goods it carries (HMRC VAT Notice 700/24): one
 * rate when every line has it, otherwise the charge split over the rates in proportion to the goods' value,
 * the odd pence going to the largest remainders, so the parts always add up to the charge.
 */
export function deliveryVatPence(shippingPence: number, goods: ReadonlyArray<{ grossPence: number; vatRateBp: number }>): number {
  if (shippingPence === 0) return 0;
  const byRate = new Map<number, number>();
  for (const g of goods) byRate.set(g.vatRateBp, (byRate.get(g.vatRateBp) ?? 0) + g.grossPence);
  const total = [...byRate.values()].reduce((a, b) => a + b, 0);
  if (byRate.size === 0 || total === 0) throw new Error('delivery VAT needs the goods it carries');
  const parts = [...byRate.entries()].map(([rate, value]) => {
    const scaled = shippingPence * value;
    return { rate, pence: (scaled - (scaled % total)) / total, remainder: scaled % total };
  });
  let left = shippingPence - parts.reduce((sum, p) => sum + p.pence, 0);
  for (const p of [...parts].sort((a, b) => b.remainder - a.remainder || b.rate - a.rate)) {
    if (left === 0) break;
    p.pence++;
    left--;
  }
  return parts.reduce((sum, p) => sum + vatIncluded(p.pence, p.rate), 0);
}
