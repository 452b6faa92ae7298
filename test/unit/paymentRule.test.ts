/** A successful payment is applied only when it is the one the order opened. */
import { paymentMismatches } from '../../workflows/orders/paymentRule';

const expected = { paymentIntentId: 'pi_order', amountPence: 4999, currency: 'gbp' };

test("the order's own PaymentIntent, amount and currency: nothing wrong", () => {
  expect(paymentMismatches(expected, { paymentIntentId: 'pi_order', amountPence: 4999, currency: 'gbp' })).toEqual([]);
  // Stripe sends lower case; a relay may not.
  expect(paymentMismatches(expected, { paymentIntentId: 'pi_order', amountPence: 4999, currency: 'GBP' })).toEqual([]);
});

test('a signal recorded before the currency was passed on is judged on the rest', () => {
  expect(paymentMismatches(expected, { paymentIntentId: 'pi_order', amountPence: 4999 })).toEqual([]);
});

test('each mismatch is named, all at once', () => {
  expect(paymentMismatches(expected, { paymentIntentId: 'pi_other', amountPence: 100, currency: 'usd' })).toEqual([
    "PaymentIntent pi_other is not the order's pi_order",
    'amount 100 is not the order total 4999',
    'currency usd is not gbp',
  ]);
});

test('one penny short, or an event without a currency, is a mismatch', () => {
  expect(paymentMismatches(expected, { paymentIntentId: 'pi_order', amountPence: 4998, currency: 'gbp' })).toEqual(['amount 4998 is not the order total 4999']);
  expect(paymentMismatches(expected, { paymentIntentId: 'pi_order', amountPence: 4999, currency: '' })).toEqual(['currency (none) is not gbp']);
});
