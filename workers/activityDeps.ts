import type Redis from 'ioredis';
import type Stripe from 'stripe';
import type { ActivityDeps } from '../activities';
import { createChannels } from '../activities/notifications/channels/channels';
import { carrierNameSchema } from '../domain/shipping/carriers/carrier';
import { createCarrierRegistry } from '../domain/shipping/carriers/registry';
import { createTrackingQuota } from '../activities/shipping/trackingQuota';
import type { Db } from '../db/connection';
import { type Config, dailyTrackingQuotas } from '../lib/config';

/** The clients every activity closes over, wired the same way by the worker process and the tests. */
export function createActivityDeps(config: Config, db: Db, redis: Redis | undefined, stripe: Stripe): ActivityDeps {
  const registry = createCarrierRegistry(config);
  return {
    db,
    redis,
    stripe,
    carriers: {
      forCarrier: (name) => {
        const known = carrierNameSchema.safeParse(name);
        if (!known.success) throw new Error(`no carrier called "${name}"; the store ships with ${carrierNameSchema.options.join(', ')}`);
        return registry.forCarrier(known.data);
      },
    },
    quota: createTrackingQuota(redis, dailyTrackingQuotas(config.CARRIER_DAILY_TRACKING_QUOTAS)),
    config,
    channels: createChannels(config, db),
  };
}
