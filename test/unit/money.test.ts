/** VAT in integer pence: what a VAT-inclusive price contains, and how a delivery charge follows its goods. */
import { deliveryVatPence } from '../../domain/shipping/rates/deliveryVat';
import { vatIncluded } from '../../lib/money';

describe('vatIncluded', () => {
  test.each([
    [1200, 2000, 200],
    [2500, 2000, 417], // 416.67
    [100, 2000, 17], // 16.67
    [6, 2000, 1], // exactly 1.0
    [3, 2000, 1], // 0.5: half rounds up
    [2, 2000, 0], // 0.33
    [1050, 500, 50], // reduced rate
    [4999, 0, 0], // zero-rated (children's clothes)
    [0, 2000, 0],
  ])('%i p at %i bp contains %i p', (gross, bp, vat) => {
    expect(vatIncluded(gross, bp)).toBe(vat);
  });

  test('refuses anything but integer pence and basis points', () => {
    expect(() => vatIncluded(12.5, 2000)).toThrow('integers');
    expect(() => vatIncluded(1200, 20.5)).toThrow('integers');
    expect(() => vatIncluded(Number.MAX_SAFE_INTEGER + 1, 2000)).toThrow('integers');
  });
});

describe('deliveryVatPence', () => {
  test('free delivery carries no VAT, whatever the goods', () => {
    expect(deliveryVatPence(0, [])).toBe(0);
  });

  test('one rate: the charge carries that rate', () => {
    expect(deliveryVatPence(600, [{ grossPence: 2000, vatRateBp: 2000 }, { grossPence: 1000, vatRateBp: 2000 }])).toBe(100);
  });

  test('zero-rated goods only: no VAT on their delivery', () => {
    expect(deliveryVatPence(399, [{ grossPence: 2500, vatRateBp: 0 }])).toBe(0);
  });

  test('mixed rates: the odd penny goes to the largest remainder, so the parts add up to the charge', () => {
    // 100 p over goods of 2 : 1 → 66.67 p at 20% and 33.33 p at 0%: 67 p and 33 p.
    expect(deliveryVatPence(100, [{ grossPence: 2000, vatRateBp: 2000 }, { grossPence: 1000, vatRateBp: 0 }])).toBe(vatIncluded(67, 2000));
    // 1 : 1 halves tie on the remainder: the higher rate takes the penny.
    expect(deliveryVatPence(101, [{ grossPence: 1000, vatRateBp: 0 }, { grossPence: 1000, vatRateBp: 2000 }])).toBe(vatIncluded(51, 2000));
  });

  test('a charge without goods to follow is a bug, not zero VAT', () => {
    expect(() => deliveryVatPence(399, [])).toThrow('needs the goods');
    expect(() => deliveryVatPence(399, [{ grossPence: 0, vatRateBp: 2000 }])).toThrow('needs the goods');
  });
});
