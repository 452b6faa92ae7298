import { ConfigError, loadConfig } from './config';
import { initTracing } from './tracing';

/**
 * Imported first by each process's entry point: instrumentations patch `http` and `express` as they are
 * loaded, so tracing must start before the modules that use them.
 */
try {
  initTracing(loadConfig());
} catch (err) {
  // main() loads the configuration again and reports every problem in one message.
  if (!(err instanceof ConfigError)) throw err;
}
