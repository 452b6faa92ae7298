import type Redis from 'ioredis';

export type QuotaAnswer = { ok: true } | { ok: false; retryInMs: number };

export interface TrackingQuota {
  take(carrier: string): Promise<QuotaAnswer>;
}

/**
 * A daily call budget per carrier, counted in Redis so every worker draws on the same one (DHL's Unified
 * Tracking allows a few hundred calls a day). Without Redis the carrier's own 429 and Retry-After still
 * protect us, so an unreachable Redis lets the call through rather than freezing every parcel.
 */
export function createTrackingQuota(redis: Redis | undefined, dailyLimits: Record<string, number>): TrackingQuota {
  return {
    async take(carrier) {
      const limit = dailyLimits[carrier];
      if (limit === undefined || !redis) return { ok: true };
      const now = new Date();
      const day = now.toISOString().slice(0, 10);
      const key = `dy:carrier-quota:${carrier}:${day}`;
      try {
        const used = await redis.incr(key);
        if (used === 1) await redis.expire(key, 2 * 86_400);
        if (used <= limit) return { ok: true };
      } catch {
        return { ok: true };
      }
      const midnight = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1);
      return { ok: false, retryInMs: midnight - now.getTime() };
    },
  };
}
