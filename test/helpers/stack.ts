import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { Client as PgClient } from 'pg';
import { startSandboxCarrier } from '../../services/sandboxCarrier/server';
import { startMailSink } from '../../lib/mailSink';
import { createDb, migrateLatest } from '../../db/connection';
import { withDatabase } from '../../db/ensureDatabase';
import { seedCatalogue } from '../../db/seeds/catalogue';
import { freePort, portOpen, startService, waitFor } from '../../lib/processes';
import { ensureTool } from '../../lib/tools';
import { startDevServer } from '../../temporal-config/devServer';

/** The real services every test talks to, started once per run on free ports, never the shared ones stopped. */
export interface TestStack {
  env: Record<string, string>;
  stop(): Promise<void>;
}

const ADMIN_PG = process.env.TEST_POSTGRES_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export async function startTestStack(): Promise<TestStack> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dy-orders-test-'));
  const stops: Array<() => Promise<void>> = [];
  const log = (m: string) => process.stdout.write(`[test stack] ${m}\n`);

  const temporalPort = await freePort();
  const temporal = await startDevServer({ port: temporalPort, namespace: 'default', logFile: path.join(dir, 'temporal.log'), log });
  stops.push(() => temporal.stop());

  const stripeMockBin = ensureTool('stripeMock', log);
  if (!stripeMockBin) throw new Error('stripe-mock is missing and there is no Go toolchain to build it');
  const stripePort = await freePort();
  const stripeMock = startService('stripe-mock', stripeMockBin, ['-http-port', String(stripePort), '-https-port', String(await freePort())], { logFile: path.join(dir, 'stripe-mock.log') });
  stops.push(() => stripeMock.stop());
  await waitFor('stripe-mock', () => portOpen(stripePort), { timeoutMs: 30_000 });

  const carrier = await startSandboxCarrier({ port: 0, stepMs: 400 });
  stops.push(() => carrier.close());

  const mail = await startMailSink({ logFile: path.join(dir, 'maildev.log') });
  stops.push(() => mail.stop());

  const dbName = `dy_orders_test_${process.pid}_${Date.now()}`;
  const admin = new PgClient({ connectionString: ADMIN_PG });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${dbName}`);
  await admin.end();
  const databaseUrl = withDatabase(ADMIN_PG, dbName);
  const db = createDb(databaseUrl);
  await migrateLatest(db);
  await seedCatalogue(db);
  await db.destroy();
  stops.push(async () => {
    const c = new PgClient({ connectionString: ADMIN_PG });
    await c.connect();
    await c.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await c.end();
  });

  const bundle = await bundleWorkflowCode({ workflowsPath: require.resolve('../../workflows'), workflowInterceptorModules: [require.resolve('../../workflows/interceptors')], logger: new DefaultLogger('WARN') });
  const bundlePath = path.join(dir, 'workflow-bundle.js');
  fs.writeFileSync(bundlePath, bundle.code);

  return {
    env: {
      NODE_ENV: 'test',
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
      DATABASE_URL: databaseUrl,
      TEMPORAL_ADDRESS: temporal.address,
      STRIPE_API_URL: `http://127.0.0.1:${stripePort}`,
      CARRIER_URL: carrier.url,
      SMTP_URL: mail.smtpUrl,
      TEST_MAILDEV_URL: mail.webUrl,
      WORKFLOW_BUNDLE_PATH: bundlePath,
      DY_TEST_DIR: dir,
      PAYMENT_WINDOW: '20s',
      RETURN_WINDOW: '2s',
      WAREHOUSE_AUTO_DELAY: '300ms',
      CARRIER_POLL_INTERVAL: '300ms',
      ACTIVITY_RETRY_MAX_INTERVAL: '2s',
      // Tests fire bursts from one address; the rate-limit tests set their own low limits.
      RATE_LIMIT_CHECKOUT: '100000',
      RATE_LIMIT_ORDER_LOOKUP: '100000',
      // The finder and verify-email share it, and every test run on the machine comes from 127.0.0.1.
      RATE_LIMIT_ORDER_FIND: '100000',
      RATE_LIMIT_LOGIN: '100000',
      WORKER_METRICS_PORT: '0',
      // Tests fire many checkouts and streams from 127.0.0.1; test/abuseLimits.test.ts sets its own low limits.
      UNPAID_ORDERS_PER_CLIENT: '100000',
      SSE_MAX_PER_CLIENT: '100000',
      SSE_MAX_PER_ORDER: '100000',
      CHECKOUT_MAX_UNITS_PER_LINE: '20',
      ADMIN_AUTH_FAILURES_PER_CLIENT: '100000',
      ADMIN_AUTH_FAILURES_PER_TOKEN: '100000',
      METRICS_TOKEN: 'test-metrics-token-0123456789',
    },
    async stop() {
      for (const stop of stops.reverse()) await stop().catch((err: Error) => log(`stop failed: ${err.message}`));
    },
  };
}
