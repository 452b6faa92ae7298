import type { Config } from '../lib/config';
import { createDb, type Db, migrateLatest } from './connection';
import { ensureDatabase } from './ensureDatabase';

/**
 * What every command that touches the store does around its work: find (or create, or embed) the database,
 * bring its schema up to date, and close both however the work ends. Returns the migrations applied.
 */
export async function withMigratedDatabase<T>(config: Config, log: (message: string) => void, work: (db: Db, applied: string[]) => Promise<T>): Promise<T> {
  const database = await ensureDatabase({ databaseUrl: config.DATABASE_URL, databaseName: config.DATABASE_NAME, dataDir: config.DATA_DIR, allowEmbedded: config.EMBEDDED_POSTGRES, embeddedPort: config.EMBEDDED_POSTGRES_PORT, log });
  const db = createDb(database.url);
  try {
    return await work(db, await migrateLatest(db));
  } finally {
    await db.destroy();
    await database.stop?.();
  }
}

/** A command's entry point: a failure is one line on stderr and exit code 1, never a stack trace. */
export function runCommand(main: () => Promise<void>): void {
  main().catch((err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
