/** Configuration refusals: lib/config.ts on plain objects, no process and no service. */
import { ConfigError, DEV_ADMIN_TOKEN, DEV_SANDBOX_PUSH_SECRET, DEV_WEBHOOK_SECRET, loadConfig, msOf, sandboxPushSecret } from '../../lib/config';

test('defaults are the embedded dev setup', () => {
  const c = loadConfig({ NODE_ENV: 'development' });
  expect(c).toMatchObject({ PORT: 3000, TEMPORAL_NAMESPACE: 'default', PAYMENT_WINDOW: '30 minutes', RETURN_WINDOW: '30d', WAREHOUSE_MODE: 'auto', STRIPE_WEBHOOK_SECRET: DEV_WEBHOOK_SECRET });
  expect(c.DATABASE_URL).toBeUndefined();
  expect(c.TEMPORAL_ADDRESS).toBeUndefined();
});

test('one error lists every bad setting', () => {
  let error: ConfigError | undefined;
  try {
    loadConfig({ NODE_ENV: 'development', PORT: 'eighty', PAYMENT_WINDOW: 'soon', WAREHOUSE_MODE: 'robots' });
  } catch (err) {
    error = err as ConfigError;
  }
  expect(error).toBeInstanceOf(ConfigError);
  expect(error?.problems.map((p) => p.split(':')[0]).sort()).toEqual(['PAYMENT_WINDOW', 'PORT', 'WAREHOUSE_MODE']);
});

test('production refuses every dev default, the stand-ins, and a return window shorter than 14 days', () => {
  let error: ConfigError | undefined;
  try {
    loadConfig({ NODE_ENV: 'production', RETURN_WINDOW: '7d' });
  } catch (err) {
    error = err as ConfigError;
  }
  const keys = error?.problems.map((p) => p.split(':')[0]).sort();
  expect(keys).toEqual(['CARRIER_URL', 'DATABASE_URL', 'PAYLOAD_ENCRYPTION_KEYS', 'RETURN_WINDOW', 'SMTP_URL', 'STRIPE_SECRET_KEY', 'STRIPE_WEBHOOK_SECRET', 'TEMPORAL_ADDRESS', 'TRACKING_TOKEN_SECRET']);
});

/** Every setting production insists on, with a real-looking value. */
const PRODUCTION = {
  NODE_ENV: 'production',
  STRIPE_SECRET_KEY: 'sk_live_realkey',
  STRIPE_WEBHOOK_SECRET: 'whsec_real_secret',
  TRACKING_TOKEN_SECRET: 'a-long-random-tracking-secret',
  DATABASE_URL: 'postgres://orders@db.internal:5432/orders',
  TEMPORAL_ADDRESS: 'temporal.internal:7233',
  CARRIER_URL: 'https://carriers.internal',
  SMTP_URL: 'smtp://mail.internal:587',
  PAYLOAD_ENCRYPTION_KEYS: 'k1:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=',
};

test('production starts with real settings', () => {
  const c = loadConfig({ ...PRODUCTION, RETURN_WINDOW: '14d' });
  // No shared admin token in production, not even the dev default: machine clients use API keys.
  expect(c.ADMIN_API_TOKEN).toBeUndefined();
  expect(DEV_ADMIN_TOKEN).toBe('dev-admin-token');
});

test('durations read the way Temporal reads them', () => {
  expect(msOf('30 minutes')).toBe(1_800_000);
  expect(msOf('5s')).toBe(5000);
  expect(msOf('300ms')).toBe(300);
  expect(msOf('14d')).toBe(14 * 86_400_000);
  expect(() => msOf('soon')).toThrow();
});

test('carrier push secrets: the public sandbox key is refused in production, a UPS credential must not be guessable', () => {
  const problems = (env: Record<string, string>) => {
    try {
      loadConfig(env);
      return [];
    } catch (err) {
      return (err as ConfigError).problems.map((p) => p.split(':')[0]);
    }
  };
  expect(problems({ ...PRODUCTION, SANDBOX_PUSH_SECRET: DEV_SANDBOX_PUSH_SECRET })).toEqual(['SANDBOX_PUSH_SECRET']);
  // Production without a sandbox secret starts, and then takes no sandbox pushes at all.
  expect(sandboxPushSecret(loadConfig(PRODUCTION))).toBeUndefined();
  expect(sandboxPushSecret(loadConfig({ NODE_ENV: 'development' }))).toBe(DEV_SANDBOX_PUSH_SECRET);
  expect(problems({ NODE_ENV: 'development', UPS_WEBHOOK_CREDENTIAL: 'short' })).toEqual(['UPS_WEBHOOK_CREDENTIAL']);
  expect(loadConfig({ NODE_ENV: 'development', UPS_WEBHOOK_CREDENTIAL: 'a-long-random-ups-credential' }).UPS_WEBHOOK_CREDENTIAL).toBe('a-long-random-ups-credential');
});
