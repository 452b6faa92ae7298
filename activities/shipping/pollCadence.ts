/**
 * How long to wait before asking a carrier again. Close to the door the news comes by the hour, in long
 * transit by the day; carriers with tight quotas (DHL allows a few hundred calls a day) are asked rarely
 * and lean on push. The base is CARRIER_POLL_INTERVAL, so tests and dev run the same rules fast.
 */
const STATUS_FACTOR: Record<string, number> = {
  OUT_FOR_DELIVERY: 1,
  ATTEMPTED_DELIVERY: 1,
  READY_FOR_PICKUP: 2,
  DELAYED: 2,
  LABEL_PURCHASED: 2,
  CONFIRMED: 2,
  CARRIER_PICKED_UP: 2,
  IN_TRANSIT: 4,
};

const CARRIER_FACTOR: Record<string, number> = { dhl: 4 };

export function nextPollDelayMs(p: { status: string; carrier: string; baseMs: number; estimatedDelivery?: string; now: number }): number {
  let factor = STATUS_FACTOR[p.status] ?? 2;
  // A parcel due within a day is near the door whatever its last scan said.
  const due = p.estimatedDelivery ? Date.parse(p.estimatedDelivery) : Number.NaN;
  if (!Number.isNaN(due) && due - p.now < 86_400_000) factor = 1;
  return p.baseMs * factor * (CARRIER_FACTOR[p.carrier] ?? 1);
}
