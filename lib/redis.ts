import Redis from 'ioredis';
import { logger } from './logger';

/**
 * Redis is an accelerator, never a dependency for taking orders: commands fail fast while it is down
 * (no offline queue) and the client keeps reconnecting in the background.
 */
export function connectRedis(url: string): Redis {
  const redis = new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2000,
    retryStrategy: (times) => Math.min(times * 500, 5000),
    lazyConnect: false,
  });
  let lastLogged = 0;
  redis.on('error', (err) => {
    if (Date.now() - lastLogged > 30_000) {
      lastLogged = Date.now();
      logger.warn({ err: err.message }, 'redis unavailable; carrying on without it');
    }
  });
  return redis;
}
