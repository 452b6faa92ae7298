import type { Knex } from 'knex';
import * as init from './migrations/20261125000001_init';
import * as notifications from './migrations/20261125000002_notifications';
import * as alerts from './migrations/20261125000003_alerts';
import * as erasure from './migrations/20261125000004_erasure';
import * as shipping from './migrations/20261125000005_shipping';
import * as staff from './migrations/20261125000006_staff';
import * as priceChanges from './migrations/20261126000001_price_changes';
import * as orderAccess from './migrations/20261204000001_order_access';
import * as abuseLimits from './migrations/20261204000004_abuse_limits';

/** Migrations listed in code, so the same list runs from source (tests) and from dist/ (start). */
const migrations: Record<string, Knex.Migration> = {
  '20261125000001_init': init,
  '20261125000002_notifications': notifications,
  '20261125000003_alerts': alerts,
  '20261125000004_erasure': erasure,
  '20261125000005_shipping': shipping,
  '20261125000006_staff': staff,
  '20261126000001_price_changes': priceChanges,
  '20261204000001_order_access': orderAccess,
  '20261204000004_abuse_limits': abuseLimits,
};

export const migrationSource: Knex.MigrationSource<string> = {
  getMigrations: async () => Object.keys(migrations).sort(),
  getMigrationName: (name) => name,
  getMigration: async (name) => migrations[name],
};
