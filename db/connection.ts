import knexFactory, { type Knex } from 'knex';
import { types } from 'pg';
import { migrationSource } from './migrationSource';

// bigint ids (bigIncrements, counts) fit comfortably in a JS number for this store's lifetime.
types.setTypeParser(20, (v) => Number.parseInt(v, 10));

export type Db = Knex;

export function createDb(connectionString: string, pool = { min: 0, max: 10 }): Db {
  return knexFactory({ client: 'pg', connection: connectionString, pool, acquireConnectionTimeout: 10_000 });
}

export async function migrateLatest(db: Db): Promise<string[]> {
  const [, applied] = (await db.migrate.latest({ migrationSource })) as [number, string[]];
  return applied;
}
