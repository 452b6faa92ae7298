import fs from 'node:fs';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { createDb, migrateLatest } from '../db/connection';
import { ensureDatabase } from '../db/ensureDatabase';
import { seedCatalogue } from '../db/seeds/catalogue';
import { ConfigError, loadConfig, stripeUsesMock } from '../lib/config';
import { projectRoot } from '../lib/paths';
import { portOpen, type Service, startService, waitFor } from '../lib/processes';
import { ensureTool } from '../lib/tools';
import { startMailSink } from '../lib/mailSink';
import { startDevServer } from '../temporal-config/devServer';
import { ensureNamespace } from '../temporal-config/namespace';
import { ensureAlertSchedule } from '../temporal-config/schedules';

const say = (msg: string) => process.stdout.write(`[start] ${msg}\n`);

/**
 * `npm start`: the whole store on one machine. Whatever is configured is used as it is; whatever is not
 * (Temporal, stripe-mock, the sandbox carrier, the database) is started here on embedded defaults.
 */
async function main(): Promise<void> {
  // `npm start` is the one clearly-dev way in: it says so for itself and its children, where a process
  // started with NODE_ENV unset refuses to run (lib/config.ts).
  process.env.NODE_ENV ??= 'development';
  const config = loadConfig();
  fs.mkdirSync(config.DATA_DIR, { recursive: true });
  const stops: Array<() => Promise<void>> = [];
  let shuttingDown = false;
  const env: NodeJS.ProcessEnv = { ...process.env };

  const database = await ensureDatabase({
    databaseUrl: config.DATABASE_URL,
    databaseName: config.DATABASE_NAME,
    dataDir: config.DATA_DIR,
    allowEmbedded: config.EMBEDDED_POSTGRES,
    embeddedPort: config.EMBEDDED_POSTGRES_PORT,
    log: say,
  });
  if (database.stop) stops.push(database.stop);
  env.DATABASE_URL = database.url;
  const db = createDb(database.url);
  const applied = await migrateLatest(db);
  say(applied.length ? `migrations applied: ${applied.join(', ')}` : 'database schema up to date');
  const seeded = await seedCatalogue(db);
  if (seeded.skus > 0) say(`catalogue seeded: ${seeded.products} products, ${seeded.skus} SKUs`);
  await db.destroy();

  let temporalUi: string | undefined;
  if (!config.TEMPORAL_ADDRESS) {
    if (await portOpen(config.TEMPORAL_PORT)) {
      say(`a Temporal server already answers on 127.0.0.1:${config.TEMPORAL_PORT}: using it`);
    } else {
      say(`starting the Temporal dev server (gRPC ${config.TEMPORAL_PORT}, Web UI ${config.TEMPORAL_UI_PORT})`);
      const server = await startDevServer({
        port: config.TEMPORAL_PORT,
        uiPort: config.TEMPORAL_UI_PORT,
        namespace: config.TEMPORAL_NAMESPACE,
        dbFile: path.join(config.DATA_DIR, 'temporal.db'),
        logFile: path.join(config.DATA_DIR, 'temporal.log'),
        log: say,
      });
      stops.push(server.stop);
      temporalUi = server.uiUrl;
    }
    env.TEMPORAL_ADDRESS = `127.0.0.1:${config.TEMPORAL_PORT}`;
  }
  const connection = await Connection.connect({ address: env.TEMPORAL_ADDRESS as string });
  await ensureNamespace(connection, config.TEMPORAL_NAMESPACE, config.TEMPORAL_RETENTION);
  await ensureAlertSchedule(new Client({ connection, namespace: config.TEMPORAL_NAMESPACE }), config).then(
    (alerts) => say(`alert schedule ${alerts.handle.scheduleId} ${alerts.outcome} (every ${config.ALERT_CHECK_INTERVAL})`),
    (err: Error) => say(`alert schedule not ensured (the worker retries at its start): ${err.message}`),
  );
  await connection.close();

  if (stripeUsesMock(config) && !config.STRIPE_API_URL) {
    const port = config.STRIPE_MOCK_PORT;
    if (!(await portOpen(port))) {
      const bin = ensureTool('stripeMock', say);
      if (!bin) throw new Error('stripe-mock is needed without STRIPE_SECRET_KEY; set STRIPE_MOCK_PATH or install Go');
      say(`starting stripe-mock on http://127.0.0.1:${port}`);
      const mock = startService('stripe-mock', bin, ['-http-port', String(port), '-https-port', String(port + 1)], { logFile: path.join(config.DATA_DIR, 'stripe-mock.log') });
      stops.push(() => mock.stop());
      await waitFor('stripe-mock', () => portOpen(port), { timeoutMs: 30_000 });
    }
    env.STRIPE_API_URL = `http://127.0.0.1:${port}`;
  }

  let mailUi: string | undefined;
  if (!config.SMTP_URL) {
    say(`starting the MailDev SMTP sink (SMTP ${config.MAILDEV_SMTP_PORT}, web ${config.MAILDEV_WEB_PORT})`);
    const sink = await startMailSink({
      smtpPort: config.MAILDEV_SMTP_PORT,
      webPort: config.MAILDEV_WEB_PORT,
      mailDirectory: path.join(config.DATA_DIR, 'maildev'),
      logFile: path.join(config.DATA_DIR, 'maildev.log'),
      reuseRunning: true,
    });
    stops.push(() => sink.stop());
    env.SMTP_URL = sink.smtpUrl;
    mailUi = sink.webUrl;
  }

  const children: Service[] = [];
  const node = (name: string, script: string) => {
    const child = startService(name, process.execPath, [path.join(projectRoot, 'dist', script)], { env, inheritOutput: true });
    children.push(child);
    stops.push(() => child.stop('SIGTERM'));
    child.child.once('exit', (code, signal) => {
      if (!shuttingDown) {
        say(`${name} exited (${signal ?? code}); stopping everything`);
        void shutdown(1);
      }
    });
    return child;
  };

  if (!config.CARRIER_URL) {
    node('sandbox-carrier', 'services/sandboxCarrier/main.js');
    env.CARRIER_URL = `http://127.0.0.1:${config.SANDBOX_CARRIER_PORT}`;
    await waitFor('the sandbox carrier', () => portOpen(config.SANDBOX_CARRIER_PORT), { timeoutMs: 30_000 });
  }
  node('worker', 'workers/main.js');
  node('api', 'api/main.js');
  await waitFor('the API', () => portOpen(config.PORT), { timeoutMs: 60_000 });

  say('DY Orders is running:');
  say(`  API            http://127.0.0.1:${config.PORT}/api  (health: /api/health, OpenAPI: /api/openapi.json)`);
  if (temporalUi) say(`  Temporal UI    ${temporalUi}`);
  say(`  Temporal gRPC  ${env.TEMPORAL_ADDRESS} (namespace ${config.TEMPORAL_NAMESPACE})`);
  say(`  Database       ${database.source} ${database.url.replace(/:[^:@/]+@/, ':***@')}`);
  say(`  Stripe         ${env.STRIPE_API_URL ?? 'api.stripe.com'}; webhooks: POST /api/webhooks/stripe`);
  say(`  Carrier        ${env.CARRIER_URL}`);
  if (mailUi) say(`  E-mail (sink)  ${mailUi}`);
  say('Ctrl-C stops everything.');

  async function shutdown(code: number): Promise<void> {
    if (shuttingDown) return;
    shuttingDown = true;
    say('stopping…');
    for (const stop of stops.reverse()) await stop().catch((err: Error) => say(`stop failed: ${err.message}`));
    process.exit(code);
  }
  process.once('SIGINT', () => void shutdown(0));
  process.once('SIGTERM', () => void shutdown(0));
}

main().catch((err) => {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(1);
});
