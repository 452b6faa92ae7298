import fs from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { waitFor, startService } from '../lib/processes';
import { ensureTool } from '../lib/tools';
import { SEARCH_ATTRIBUTES } from './searchAttributes';

export interface DevServerOptions {
  port: number;
  uiPort?: number; // undefined: headless
  namespace: string;
  /** SQLite file; undefined keeps state in memory (tests). */
  dbFile?: string;
  logFile?: string;
  log?: (msg: string) => void;
}

export interface DevServer {
  address: string;
  uiUrl?: string;
  stop(): Promise<void>;
}

/** Dynamic config the store relies on; the dev server's defaults already allow update-with-start (server 1.29). */
const DYNAMIC_CONFIG = [
  'frontend.enableUpdateWorkflowExecution=true',
  'frontend.enableExecuteMultiOperation=true',
  'frontend.enableServerVersionCheck=false',
  // The worker that schedules an activity runs it at once, saving a queue round trip on every checkout step.
  'system.enableActivityEagerExecution=true',
];

function devServerArgs(o: DevServerOptions): string[] {
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(o.port), '--namespace', o.namespace, '--log-level', 'warn'];
  if (o.uiPort) args.push('--ui-port', String(o.uiPort));
  else args.push('--headless');
  if (o.dbFile) {
    fs.mkdirSync(path.dirname(o.dbFile), { recursive: true });
    args.push('--db-filename', o.dbFile, '--sqlite-pragma', 'journal_mode=WAL', '--sqlite-pragma', 'synchronous=NORMAL');
  }
  for (const [name, type] of Object.entries(SEARCH_ATTRIBUTES)) args.push('--search-attribute', `${name}=${type}`);
  for (const dc of DYNAMIC_CONFIG) args.push('--dynamic-config-value', dc);
  return args;
}

/**
 * Temporal's CLI dev server (Web UI embedded), built from its Go module and cached outside the checkout;
 * without Go, the SDK's own download (needs the internet).
 */
export async function startDevServer(o: DevServerOptions): Promise<DevServer> {
  const log = o.log ?? (() => undefined);
  const binary = ensureTool('temporal', log);
  const address = `127.0.0.1:${o.port}`;
  if (!binary) {
    log('no Temporal CLI and no Go toolchain: falling back to the SDK download of the dev server');
    const env = await TestWorkflowEnvironment.createLocal({
      server: {
        ip: '127.0.0.1',
        port: o.port,
        namespace: o.namespace,
        ui: o.uiPort !== undefined,
        uiPort: o.uiPort,
        dbFilename: o.dbFile,
        searchAttributes: Object.keys(SEARCH_ATTRIBUTES).map((name) => ({ name, type: SEARCH_ATTRIBUTES[name as keyof typeof SEARCH_ATTRIBUTES] })) as never,
      },
    });
    return { address, uiUrl: o.uiPort ? `http://127.0.0.1:${o.uiPort}` : undefined, stop: () => env.teardown() };
  }
  const service = startService('temporal', binary, devServerArgs(o), { logFile: o.logFile });
  let exitedEarly = false;
  service.child.once('exit', () => {
    exitedEarly = true;
  });
  await waitFor(
    `the Temporal dev server on ${address}`,
    async () => {
      if (exitedEarly) throw new Error(`temporal exited early; see ${o.logFile ?? 'its output'}`);
      const connection = await Connection.connect({ address, connectTimeout: 1000 });
      try {
        await connection.workflowService.getSystemInfo({});
        return true;
      } finally {
        await connection.close();
      }
    },
    { timeoutMs: 90_000, intervalMs: 300 },
  );
  return { address, uiUrl: o.uiPort ? `http://127.0.0.1:${o.uiPort}` : undefined, stop: () => service.stop('SIGTERM') };
}
