import path from 'node:path';
import { z } from 'zod';
import { loadRateTableFile, RateTableError } from '../domain/shipping/rates/loadRateTable';
import { projectRoot } from './paths';

/** Dev defaults are public on purpose: production refuses them (see refineProduction). */
export const DEV_WEBHOOK_SECRET = 'whsec_dy_orders_dev_only_do_not_use_in_production';
export const DEV_ADMIN_TOKEN = 'dev-admin-token';
export const DEV_TRACKING_SECRET = 'dev-tracking-token-secret';
export const STRIPE_MOCK_KEY = 'sk_test_stripemock';
/** Signs the sandbox carrier's tracking pushes outside production when SANDBOX_PUSH_SECRET is unset. */
export const DEV_SANDBOX_PUSH_SECRET = 'dev-sandbox-push-secret-do-not-use-in-production';

const duration = z
  .string()
  .regex(/^\d+(\.\d+)?\s*(ms|milliseconds?|s|seconds?|m|minutes?|h|hours?|d|days?)$/i, 'a duration such as "30 minutes", "5s" or "30d"');

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const configObject = z
  .object({
    // No default: a production host that forgot it would otherwise run with free test payments and the public
    // dev secrets. `npm start` sets development itself, the test set-up test, the image and compose production.
    NODE_ENV: z.enum(['development', 'test', 'production'], {
      error: 'must be set to development, test or production (unset is refused: it would mean dev secrets and free test payments)',
    }),
    PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    DATA_DIR: z.string().default(path.join(projectRoot, '.data')),
    DATABASE_URL: z.string().url().optional(),
    DATABASE_NAME: z.string().regex(/^[a-z_][a-z0-9_]*$/, 'lower-case letters, digits and _').default('dy_orders'),
    EMBEDDED_POSTGRES_PORT: z.coerce.number().int().min(1).max(65535).default(54329),
    REDIS_URL: z.string().default('redis://127.0.0.1:6379'),
    TEMPORAL_ADDRESS: z.string().optional(),
    TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
    TEMPORAL_TASK_QUEUE: z.string().min(1).default('dy-orders'),
    TEMPORAL_CLI_PATH: z.string().optional(),
    TEMPORAL_PORT: z.coerce.number().int().min(1).max(65535).default(7233),
    TEMPORAL_UI_PORT: z.coerce.number().int().min(1).max(65535).default(8233),
    // Where staff pages link an order's execution; unset: the dev server's UI on TEMPORAL_UI_PORT outside production, no link in it.
    TEMPORAL_UI_URL: z.string().url().optional(),
    TEMPORAL_RETENTION: duration.default('60d'),
    STRIPE_SECRET_KEY: z.string().optional(),
    STRIPE_API_URL: z.string().url().optional(),
    STRIPE_WEBHOOK_SECRET: z.string().min(8).default(DEV_WEBHOOK_SECRET),
    STRIPE_MOCK_PATH: z.string().optional(),
    STRIPE_MOCK_PORT: z.coerce.number().int().min(1).max(65535).default(12111),
    STRIPE_PUBLISHABLE_KEY: z.string().regex(/^pk_(test|live)_[A-Za-z0-9]+$/, 'a Stripe publishable key: pk_test_… or pk_live_…').optional(),
    // Unset: on outside production (see devTestPaymentsEnabled); production refuses an explicit true.
    DEV_TEST_PAYMENTS: bool.optional(),
    // Outside production only: seeds the API key named `dev` (scope admin). Unset there: DEV_ADMIN_TOKEN.
    ADMIN_API_TOKEN: z.string().min(8).optional(),
    // Wrong admin bearer tokens: this many per client address, or with the same token, within the window, then 429.
    ADMIN_AUTH_FAILURES_PER_CLIENT: z.coerce.number().int().min(1).default(10),
    ADMIN_AUTH_FAILURES_PER_TOKEN: z.coerce.number().int().min(1).default(5),
    ADMIN_AUTH_FAILURE_WINDOW: duration.default('15 minutes'),
    // Bearer token for /metrics and the detailed health; unset: only an admin-scoped API key opens them.
    METRICS_TOKEN: z.string().min(16, 'at least 16 characters').optional(),
    // The worker's Prometheus server: loopback unless an operator opens it (a scraper on another host).
    WORKER_METRICS_HOST: z.string().min(1).default('127.0.0.1'),
    TRACKING_TOKEN_SECRET: z.string().min(8).default(DEV_TRACKING_SECRET),
    // Customer access (api/orders/access.ts): how long each kind of credential lasts.
    ORDER_TOKEN_TTL: duration.default('180d'),
    ORDER_SESSION_TTL: duration.default('30d'),
    ORDER_PROOF_WINDOW: duration.default('30 minutes'),
    ACCESS_LINK_TTL: duration.default('15 minutes'),
    MESSAGE_LINK_TTL: duration.default('30d'),
    CUSTOMER_SESSION_TTL: duration.default('7d'),
    PAYMENT_WINDOW: duration.default('30 minutes'),
    // How long an unpaid order holds its stock (the workflow's payment wait); unset: 15 minutes, or
    // PAYMENT_WINDOW when that is shorter. Never longer than PAYMENT_WINDOW.
    UNPAID_HOLD: duration.optional(),
    // Orders awaiting payment at once per client address (as Express sees it under TRUST_PROXY).
    UNPAID_ORDERS_PER_CLIENT: z.coerce.number().int().min(1).default(3),
    // Units of one SKU line in one checkout: one anonymous order must not hold a SKU's whole stock.
    CHECKOUT_MAX_UNITS_PER_LINE: z.coerce.number().int().min(1).default(10),
    RETURN_WINDOW: duration.default('30d'),
    WAREHOUSE_MODE: z.enum(['auto', 'manual']).default('auto'),
    WAREHOUSE_AUTO_DELAY: duration.default('5s'),
    CARRIER_URL: z.string().url().optional(),
    CARRIER_POLL_INTERVAL: duration.default('5s'),
    // No tracking news for this long raises an exception on the parcel (lost in the network, say).
    TRACKING_STALE_AFTER: duration.default('5d'),
    // carrier:calls per UTC day, shared by every worker through Redis; DHL's Unified Tracking allows a few hundred.
    CARRIER_DAILY_TRACKING_QUOTAS: z
      .string()
      .default('dhl:250')
      .refine((v) => v.split(',').map((x) => x.trim()).filter(Boolean).every((x) => /^[a-z-]+:\d+$/.test(x)), 'must be carrier:calls pairs, comma separated, such as dhl:250'),
    SANDBOX_CARRIER_HOST: z.string().min(1).default('127.0.0.1'),
    SANDBOX_CARRIER_PORT: z.coerce.number().int().default(4010),
    SANDBOX_CARRIER_STEP: duration.default('8s'),
    // Unset: DEV_SANDBOX_PUSH_SECRET outside production, none in production (see sandboxPushSecret).
    SANDBOX_PUSH_SECRET: z.string().min(16, 'at least 16 characters').optional(),
    ACTIVITY_RETRY_MAX_INTERVAL: duration.default('1 minute'),
    PUBLIC_BASE_URL: z.string().url().default('http://127.0.0.1:3000'),
    SMTP_URL: z.string().url().optional(),
    MAIL_FROM: z.string().min(3).default('DY Official <orders@dyofficial.co.uk>'),
    MAILDEV_SMTP_PORT: z.coerce.number().int().min(1).max(65535).default(1025),
    MAILDEV_WEB_PORT: z.coerce.number().int().min(1).max(65535).default(1080),
    TWILIO_API_URL: z.string().url().default('https://api.twilio.com'),
    TWILIO_ACCOUNT_SID: z.string().regex(/^AC[0-9a-fA-F]{32}$/, 'a Twilio account SID: AC followed by 32 hex digits').optional(),
    TWILIO_AUTH_TOKEN: z.string().min(8).optional(),
    TWILIO_FROM: z.string().regex(/^\+[1-9]\d{6,14}$/, 'an E.164 number such as +447700900123').optional(),
    SLACK_WEBHOOK_URL: z.string().url().optional(),
    ADMIN_EMAIL: z.string().email('must be an email address').default('ops@dyofficial.co.uk'),
    NOTIFICATION_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(50).default(8),
    STREAM_HEARTBEAT: duration.default('15s'),
    // Open SSE streams per client address and per order (per API instance), and how long one stream lives
    // before the server ends it; the browser helper reconnects with Last-Event-ID.
    SSE_MAX_PER_CLIENT: z.coerce.number().int().min(1).default(6),
    SSE_MAX_PER_ORDER: z.coerce.number().int().min(1).default(4),
    SSE_MAX_LIFETIME: duration.default('30 minutes'),
    CORS_ORIGINS: z.string().optional(),
    RATE_LIMIT_WINDOW: duration.default('1 minute'),
    RATE_LIMIT_CHECKOUT: z.coerce.number().int().min(1).default(20),
    RATE_LIMIT_ORDER_LOOKUP: z.coerce.number().int().min(1).default(120),
    RATE_LIMIT_LOGIN: z.coerce.number().int().min(1).default(10),
    RATE_LIMIT_LOGIN_ACCOUNT: z.coerce.number().int().min(1).default(5),
    RATE_LIMIT_LOGIN_ACCOUNT_WINDOW: duration.default('15 minutes'),
    RATE_LIMIT_ORDER_FIND: z.coerce.number().int().min(1).default(10),
    STAFF_SESSION_IDLE: duration.default('30 minutes'),
    STAFF_SESSION_MAX: duration.default('12h'),
    BODY_LIMIT: z.string().regex(/^\d+(b|kb|mb)$/i, 'a size such as 100kb').default('100kb'),
    WORKER_METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(9464),
    ALERT_CHECK_INTERVAL: duration.default('1 minute'),
    ALERT_WINDOW: duration.default('15 minutes'),
    ALERT_STUCK_AWAITING_PAYMENT: duration.default('45 minutes'),
    ALERT_STUCK_IN_WAREHOUSE: duration.default('24h'),
    ALERT_STUCK_SHIPPED: duration.default('7d'),
    ALERT_FAILURE_RATE: z.coerce.number().min(0).max(1).default(0.2),
    ALERT_MIN_EVENTS: z.coerce.number().int().min(1).default(5),
    PAYLOAD_ENCRYPTION_KEYS: z.string().optional(),
    PAYLOAD_ENCRYPTION_KEY_ID: z.string().optional(),
    TRACING_EXPORTER: z.enum(['none', 'otlp', 'console']).default('none'),
    OTEL_EXPORTER_OTLP_ENDPOINT: z.string().url().optional(),
    OTEL_SERVICE_NAME: z.string().default('dy-orders'),
    WORKER_DEPLOYMENT_NAME: z.string().optional(),
    WORKER_BUILD_ID: z.string().optional(),
    ROYAL_MAIL_API_URL: z.string().url().default('https://api.royalmail.net'),
    ROYAL_MAIL_CLIENT_ID: z.string().optional(),
    ROYAL_MAIL_CLIENT_SECRET: z.string().optional(),
    DPD_API_URL: z.string().url().default('https://apis.track.dpd.co.uk'),
    FEDEX_API_URL: z.string().url().default('https://apis.fedex.com'),
    FEDEX_CLIENT_ID: z.string().optional(),
    FEDEX_CLIENT_SECRET: z.string().optional(),
    UPS_API_URL: z.string().url().default('https://onlinetools.ups.com/api'),
    UPS_TOKEN_URL: z.string().url().default('https://onlinetools.ups.com/security/v1/oauth/token'),
    UPS_CLIENT_ID: z.string().optional(),
    UPS_CLIENT_SECRET: z.string().optional(),
    // The `credential` we give UPS when subscribing to Track Alert; UPS sends it back on every push.
    UPS_WEBHOOK_CREDENTIAL: z.string().min(16, 'at least 16 characters: it alone authenticates UPS Track Alert pushes').optional(),
    DHL_API_URL: z.string().url().default('https://api-eu.dhl.com'),
    DHL_API_KEY: z.string().optional(),
    EASYPOST_API_URL: z.string().url().default('https://api.easypost.com'),
    EASYPOST_API_KEY: z.string().optional(),
    SHIPPING_RATES_FILE: z.string().optional(),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    TRUST_PROXY: z.string().optional(),
    EMBEDDED_POSTGRES: bool.default(true),
  });

export const configSchema = Object.assign(
  configObject
  .superRefine((c, ctx) => {
    if (c.UNPAID_HOLD && msOf(c.UNPAID_HOLD) > msOf(c.PAYMENT_WINDOW)) {
      ctx.addIssue({ code: 'custom', path: ['UNPAID_HOLD'], message: `must not be longer than PAYMENT_WINDOW (${c.PAYMENT_WINDOW})` });
    }
    // Temporal refuses a retry ceiling below the first retry interval (1 s): catch it at start, not per order.
    if (msOf(c.ACTIVITY_RETRY_MAX_INTERVAL) < 1000) ctx.addIssue({ code: 'custom', path: ['ACTIVITY_RETRY_MAX_INTERVAL'], message: 'must be at least 1s' });
    // A bad tariff must stop the process at start, not fail the first checkout that needs it.
    if (c.SHIPPING_RATES_FILE) {
      try {
        loadRateTableFile(c.SHIPPING_RATES_FILE);
      } catch (err) {
        if (!(err instanceof RateTableError)) throw err;
        for (const problem of err.problems) ctx.addIssue({ code: 'custom', path: ['SHIPPING_RATES_FILE'], message: `${err.file}: ${problem}` });
      }
    }
    if (c.NODE_ENV !== 'production') return;
    const refuse = (key: string, why: string) => ctx.addIssue({ code: 'custom', path: [key], message: why });
    if (c.STRIPE_WEBHOOK_SECRET === DEV_WEBHOOK_SECRET) refuse('STRIPE_WEBHOOK_SECRET', 'the dev webhook secret is not allowed in production');
    if (c.ADMIN_API_TOKEN !== undefined) refuse('ADMIN_API_TOKEN', 'a shared admin token is not allowed in production: create named API keys (npm run apikey:create)');
    if (c.TRACKING_TOKEN_SECRET === DEV_TRACKING_SECRET) refuse('TRACKING_TOKEN_SECRET', 'the dev tracking secret is not allowed in production');
    if (!c.STRIPE_SECRET_KEY) refuse('STRIPE_SECRET_KEY', 'production needs a real Stripe key (stripe-mock is dev only)');
    if (!c.DATABASE_URL) refuse('DATABASE_URL', 'production needs an explicit database');
    if (!c.TEMPORAL_ADDRESS) refuse('TEMPORAL_ADDRESS', 'production needs a Temporal cluster, not the dev server');
    if (msOf(c.RETURN_WINDOW) < 14 * 86_400_000) refuse('RETURN_WINDOW', 'UK law gives at least 14 days for returns');
    if (!c.CARRIER_URL) refuse('CARRIER_URL', 'production ships with real carriers, not the sandbox carrier');
    if (c.STRIPE_API_URL) refuse('STRIPE_API_URL', 'production talks to Stripe itself, never stripe-mock');
    if (!c.SMTP_URL) refuse('SMTP_URL', 'production sends real e-mail, not to the MailDev sink');
    if (!c.PAYLOAD_ENCRYPTION_KEYS) refuse('PAYLOAD_ENCRYPTION_KEYS', 'production encrypts customer data in workflow payloads');
    if (c.SANDBOX_PUSH_SECRET === DEV_SANDBOX_PUSH_SECRET) refuse('SANDBOX_PUSH_SECRET', 'the dev sandbox push secret is public: never in production');
    if (c.DEV_TEST_PAYMENTS === true) refuse('DEV_TEST_PAYMENTS', 'the test-payment endpoint marks orders paid with our own webhook secret: never in production');
  })
  .transform((c) => ({ ...c, ADMIN_API_TOKEN: devAdminToken(c) })),
  // Every setting by name, for the checks that .env.example documents them all.
  { shape: configObject.shape },
);

export type Config = z.output<typeof configSchema>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/** Reads every setting once; one error lists every problem so an operator fixes them in one go. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const input = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = configSchema.safeParse(input);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.') || '(config)'}: ${i.message}`));
  }
  return parsed.data;
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Milliseconds of a duration string in the same grammar Temporal's `ms` accepts for our config values. */
export function msOf(value: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([a-z]+)$/i.exec(value.trim());
  if (!m) throw new Error(`not a duration: ${value}`);
  const unit = m[2].toLowerCase();
  const key = unit.startsWith('ms') || unit.startsWith('milli') ? 'ms' : unit[0];
  const factor = UNIT_MS[key];
  if (factor === undefined) throw new Error(`not a duration unit: ${unit}`);
  return Math.round(Number(m[1]) * factor);
}

/** The token that seeds the `dev` API key: none in production, DEV_ADMIN_TOKEN when unset elsewhere. */
export function devAdminToken(c: { ADMIN_API_TOKEN?: string; NODE_ENV: string }): string | undefined {
  if (c.NODE_ENV === 'production') return undefined;
  return c.ADMIN_API_TOKEN ?? DEV_ADMIN_TOKEN;
}

const DEFAULT_UNPAID_HOLD_MS = 15 * 60_000;

/** The workflow's payment wait: UNPAID_HOLD, else 15 minutes capped at PAYMENT_WINDOW. */
export function unpaidHold(c: Pick<Config, 'UNPAID_HOLD' | 'PAYMENT_WINDOW'>): string {
  if (c.UNPAID_HOLD) return c.UNPAID_HOLD;
  return msOf(c.PAYMENT_WINDOW) < DEFAULT_UNPAID_HOLD_MS ? c.PAYMENT_WINDOW : '15 minutes';
}

/** The dev test-payment panel and its endpoint: on by default everywhere but production. */
export function devTestPaymentsEnabled(c: Config): boolean {
  return c.DEV_TEST_PAYMENTS ?? c.NODE_ENV !== 'production';
}

/**
 * The key the sandbox carrier's pushes are signed with. Production has no default, so it takes pushes only
 * when someone deliberately set a secret of their own (and production refuses the sandbox carrier anyway).
 */
export function sandboxPushSecret(c: Pick<Config, 'SANDBOX_PUSH_SECRET' | 'NODE_ENV'>): string | undefined {
  return c.SANDBOX_PUSH_SECRET ?? (c.NODE_ENV === 'production' ? undefined : DEV_SANDBOX_PUSH_SECRET);
}

export function stripeUsesMock(c: Config): boolean {
  return !c.STRIPE_SECRET_KEY || c.STRIPE_SECRET_KEY === STRIPE_MOCK_KEY;
}

/** CARRIER_DAILY_TRACKING_QUOTAS as a map: carrier name → calls per UTC day. */
export function dailyTrackingQuotas(value: string): Record<string, number> {
  const limits: Record<string, number> = {};
  for (const part of value.split(',').map((x) => x.trim()).filter(Boolean)) {
    const [carrier, calls] = part.split(':');
    limits[carrier] = Number(calls);
  }
  return limits;
}
