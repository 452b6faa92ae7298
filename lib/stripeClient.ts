import Stripe from 'stripe';
import { STRIPE_MOCK_KEY, type Config, stripeUsesMock } from './config';

export const DEFAULT_STRIPE_MOCK_URL = 'http://127.0.0.1:12111';

/**
 * Real Stripe with a real key; otherwise stripe-mock, which validates every call against Stripe's own
 * OpenAPI spec. Network retries are Temporal's job (with our idempotency keys), not the client's.
 */
export function createStripe(config: Pick<Config, 'STRIPE_SECRET_KEY' | 'STRIPE_API_URL'>): Stripe {
  const common = { maxNetworkRetries: 0, timeout: 20_000, telemetry: false } as const;
  if (!stripeUsesMock(config as Config) && !config.STRIPE_API_URL) return new Stripe(config.STRIPE_SECRET_KEY as string, common);
  const url = new URL(config.STRIPE_API_URL ?? DEFAULT_STRIPE_MOCK_URL);
  return new Stripe(config.STRIPE_SECRET_KEY ?? STRIPE_MOCK_KEY, {
    ...common,
    host: url.hostname,
    port: Number(url.port || (url.protocol === 'https:' ? 443 : 80)),
    protocol: url.protocol === 'https:' ? 'https' : 'http',
  });
}
