/** Runs the sandbox carrier on its own (`npm run start:carrier`); settings come from lib/config. */
import pino from 'pino';
import { loadConfig, msOf } from '../../lib/config';
import { startSandboxCarrier } from './server';

async function main(): Promise<void> {
  const config = loadConfig();
  const log = pino({ name: 'sandbox-carrier', level: config.LOG_LEVEL });
  const stepMs = msOf(config.SANDBOX_CARRIER_STEP);
  const carrier = await startSandboxCarrier({ host: config.SANDBOX_CARRIER_HOST, port: config.SANDBOX_CARRIER_PORT, stepMs });
  log.info({ url: carrier.url, stepMs }, `sandbox carrier listening on ${carrier.url}`);

  let closing = false;
  const shutdown = (signal: NodeJS.Signals): void => {
    // A second Ctrl-C means the operator does not want to wait for a graceful close.
    if (closing) process.exit(1);
    closing = true;
    log.info({ signal }, 'sandbox carrier shutting down');
    carrier.close().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error({ err }, 'sandbox carrier did not close cleanly');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

main().catch((err: unknown) => {
  // The logger may not exist yet (bad config), and the message must reach the operator either way.
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
