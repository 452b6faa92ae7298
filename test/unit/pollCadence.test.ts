/** How long a parcel waits before its carrier is asked again. */
import { nextPollDelayMs } from '../../activities/shipping/pollCadence';

const NOW = Date.parse('2026-12-01T10:00:00Z');
const BASE = 60_000;
const delay = (status: string, carrier = 'royal-mail', estimatedDelivery?: string) => nextPollDelayMs({ status, carrier, baseMs: BASE, estimatedDelivery, now: NOW });

test('close to the door: every base interval', () => {
  expect(delay('OUT_FOR_DELIVERY')).toBe(BASE);
  expect(delay('ATTEMPTED_DELIVERY')).toBe(BASE);
});

test('early or stuck: twice the base; long transit: four times; an unknown status: twice', () => {
  for (const s of ['LABEL_PURCHASED', 'CONFIRMED', 'CARRIER_PICKED_UP', 'DELAYED', 'READY_FOR_PICKUP']) expect(delay(s)).toBe(2 * BASE);
  expect(delay('IN_TRANSIT')).toBe(4 * BASE);
  expect(delay('SOMETHING_NEW')).toBe(2 * BASE);
});

test('a parcel due within a day is near the door whatever its last scan said', () => {
  expect(delay('IN_TRANSIT', 'royal-mail', '2026-12-02T09:59:00Z')).toBe(BASE);
  expect(delay('IN_TRANSIT', 'royal-mail', '2026-12-02T10:00:00Z')).toBe(4 * BASE);
  expect(delay('IN_TRANSIT', 'royal-mail', 'not a date')).toBe(4 * BASE);
});

test('DHL, with its tight quota, is asked four times less often', () => {
  expect(delay('IN_TRANSIT', 'dhl')).toBe(16 * BASE);
  expect(delay('OUT_FOR_DELIVERY', 'dhl')).toBe(4 * BASE);
  expect(delay('IN_TRANSIT', 'dhl', '2026-12-01T18:00:00Z')).toBe(4 * BASE);
});
