// First: tracing's instrumentations must be in place before the modules they patch are loaded.
import { createActivityDeps } from './activityDeps';
import '../lib/instrument';
import fs from 'node:fs';
import path from 'node:path';
import { Client } from '@temporalio/client';
import { NativeConnection, Runtime } from '@temporalio/worker';
import { startWorkerMetrics } from './metricsServer';
import { createStripe } from '../lib/stripeClient';
import { createDb, migrateLatest } from '../db/connection';
import { ensureDatabase } from '../db/ensureDatabase';
import { loadConfig, ConfigError } from '../lib/config';
import { logger } from '../lib/logger';
import { coreLogLevel, PinoTemporalLogger } from '../lib/logging';
import { projectRoot } from '../lib/paths';
import { connectRedis } from '../lib/redis';
import { shutdownTracing } from '../lib/tracing';
import { createOrderWorker } from './createWorker';
import { ensureAlertSchedule } from '../temporal-config/schedules';

/** The worker process: `npm run start:worker`, or started by `npm start`. */
async function main(): Promise<void> {
  const config = loadConfig();
  const database = await ensureDatabase({ databaseUrl: config.DATABASE_URL, databaseName: config.DATABASE_NAME, dataDir: config.DATA_DIR, allowEmbedded: false });
  const db = createDb(database.url);
  await migrateLatest(db);
  const redis = connectRedis(config.REDIS_URL);
  // The SDK's own metrics (task latencies, slots, polls) on a loopback port, merged into our /metrics.
  const sdkMetricsPort = config.WORKER_METRICS_PORT ? config.WORKER_METRICS_PORT + 1 : 0;
  // Once per process: the SDK's, workflows' and activities' logs (and Core's, forwarded) as our pino JSON lines.
  Runtime.install({
    logger: new PinoTemporalLogger(),
    telemetryOptions: {
      logging: { forward: {}, filter: { core: coreLogLevel(logger.level), other: coreLogLevel(logger.level) } },
      ...(sdkMetricsPort ? { metrics: { prometheus: { bindAddress: `127.0.0.1:${sdkMetricsPort}` } } } : {}),
    },
  });
  const metrics = config.WORKER_METRICS_PORT ? await startWorkerMetrics(config.WORKER_METRICS_PORT, `http://127.0.0.1:${sdkMetricsPort}/metrics`, config.WORKER_METRICS_HOST) : undefined;
  if (metrics) logger.info({ url: metrics.url }, 'worker metrics');
  const connection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS ?? `127.0.0.1:${config.TEMPORAL_PORT}` });
  // Alerting must never keep orders from being worked: a failure here is logged loudly, not fatal.
  await ensureAlertSchedule(new Client({ connection, namespace: config.TEMPORAL_NAMESPACE }), config).catch((err: Error) => logger.error({ err: err.message }, 'alert schedule not ensured; alerts are not evaluated until a worker or npm start ensures it'));
  const prebuilt = process.env.WORKFLOW_BUNDLE_PATH ?? path.join(projectRoot, 'dist', 'workflow-bundle.js');
  const worker = await createOrderWorker({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    workflowBundlePath: fs.existsSync(prebuilt) ? prebuilt : undefined,
    deps: createActivityDeps(config, db, redis, createStripe(config)),
  });
  const stop = () => {
    logger.info('worker shutting down: finishing in-flight activities');
    worker.shutdown();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  logger.info({ taskQueue: config.TEMPORAL_TASK_QUEUE, namespace: config.TEMPORAL_NAMESPACE }, 'worker polling');
  await worker.run();
  await connection.close();
  await metrics?.close();
  redis.disconnect();
  await db.destroy();
  await shutdownTracing();
  logger.info('worker stopped');
}

main().catch((err) => {
  if (err instanceof ConfigError) console.error(err.message);
  else logger.error({ err }, 'worker failed');
  process.exit(1);
});
