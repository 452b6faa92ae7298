import type { Knex } from 'knex';

/**
 * api_keys: named, scoped keys for machine clients (the admin API's bearer tokens). Only a SHA-256 of the
 * key is kept: the key is 32 random bytes, so a hash needs no salt or slow KDF to resist guessing, and a
 * database leak yields no usable key. A key is revoked, never deleted, so the event log's `key:<name>`
 * actors keep pointing at a record.
 *
 * unpaid_claims: one row per checkout from a client address while its order may still await payment, taken
 * under a per-address lock so concurrent checkouts cannot all pass the count (api/orders/unpaidLimit.ts).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('api_keys', (t) => {
    t.bigIncrements('id');
    t.string('name', 64).notNullable().unique();
    // The key's public first part (dyk_xxxxxxxx): shown in lists and logs, enough to tell keys apart.
    t.string('prefix', 16).notNullable();
    t.string('key_hash', 64).notNullable().unique();
    t.specificType('scopes', 'text[]').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('revoked_at', { useTz: true });
    t.timestamp('last_used_at', { useTz: true });
  });
  await knex.raw("ALTER TABLE api_keys ADD CONSTRAINT api_keys_scopes_known CHECK (scopes <@ ARRAY['admin', 'warehouse', 'support']::text[] AND cardinality(scopes) > 0)");

  await knex.schema.createTable('unpaid_claims', (t) => {
    t.bigIncrements('id');
    t.string('client_key', 80).notNullable();
    t.string('order_number', 40);
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['client_key', 'created_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('unpaid_claims');
  await knex.schema.dropTableIfExists('api_keys');
}
