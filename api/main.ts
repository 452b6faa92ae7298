// First: tracing's instrumentations must be in place before http and express are loaded.
import '../lib/instrument';
import type { AddressInfo } from 'node:net';
import { createStripe } from '../lib/stripeClient';
import { createDb, migrateLatest } from '../db/connection';
import { ensureDatabase } from '../db/ensureDatabase';
import { ConfigError, loadConfig } from '../lib/config';
import { logger } from '../lib/logger';
import { connectRedis } from '../lib/redis';
import { shutdownTracing } from '../lib/tracing';
import { createApp } from './app';
import { createTemporalClient } from './temporal';

/** The API process: `npm run start:api`, or started by `npm start`. */
async function main(): Promise<void> {
  const config = loadConfig();
  const database = await ensureDatabase({ databaseUrl: config.DATABASE_URL, databaseName: config.DATABASE_NAME, dataDir: config.DATA_DIR, allowEmbedded: false });
  const db = createDb(database.url);
  await migrateLatest(db);
  const redis = connectRedis(config.REDIS_URL);
  const temporal = createTemporalClient(config);
  const app = createApp({ config, db, redis, temporal, stripe: createStripe(config) });
  const server = app.listen(config.PORT, () => {
    logger.info({ port: (server.address() as AddressInfo).port }, `API listening on http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  });
  const stop = () => {
    logger.info('API shutting down: finishing in-flight requests');
    server.close(async () => {
      await temporal.connection.close().catch(() => undefined);
      redis.disconnect();
      await db.destroy();
      await shutdownTracing();
      process.exit(0);
    });
    server.closeIdleConnections();
    setTimeout(() => process.exit(1), 15_000).unref();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err) => {
  if (err instanceof ConfigError) console.error(err.message);
  else logger.error({ err }, 'API failed to start');
  process.exit(1);
});
