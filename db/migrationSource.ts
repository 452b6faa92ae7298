import type { Knex } from 'knex';
import * as init from './migrations/20261125000001_init';
import * as notifications from './migrations/20261125000002_notifications';

/** Migrations listed in code, so the same list runs from source (tests) and from dist/ (start). */
const migrations: Record<string, Knex.Migration> = {
  '20261125000001_init': init,
  '20261125000002_notifications': notifications,
};

export const migrationSource: Knex.MigrationSource<string> = {
  getMigrations: async () => Object.keys(migrations).sort(),
  getMigrationName: (name) => name,
  getMigration: async (name) => migrations[name],
};
