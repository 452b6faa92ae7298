import type { Knex } from 'knex';

/**
 * Staff accounts for the admin pages. Sessions live in Redis (api/staff/sessions.ts), not here: they are
 * short-lived and checked on every request. An account is disabled, never deleted, so the names in the
 * order event log keep pointing at someone.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('staff', (t) => {
    t.bigIncrements('id');
    // Stored lower-cased by the code; the unique index is on the same form so two spellings cannot coexist.
    t.string('email', 254).notNullable();
    t.string('name', 100).notNullable();
    t.string('role', 20).notNullable();
    // argon2id PHC string: algorithm, parameters and salt travel with the hash, so parameters can change later.
    t.text('password_hash').notNullable();
    t.boolean('disabled').notNullable().defaultTo(false);
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('last_login_at', { useTz: true });
  });
  await knex.raw('CREATE UNIQUE INDEX staff_email_unique ON staff (lower(email))');
  await knex.raw("ALTER TABLE staff ADD CONSTRAINT staff_role_known CHECK (role IN ('admin', 'warehouse', 'support'))");
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('staff');
}
