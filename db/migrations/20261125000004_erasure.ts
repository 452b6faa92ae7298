import type { Knex } from 'knex';

/**
 * Erasure of a customer's personal data (UK GDPR art. 17).
 *
 * The event log stays append-only for everyone else; the one rewrite it allows is erasure's, and only of the
 * `data` column, inside a transaction that has said so with `SET LOCAL dy.erasure = 'on'` (set_config(…,
 * true)): the setting dies with that transaction, so a later statement on the same pooled connection is
 * refused again. This guards against mistakes in our own code, not against someone with SQL access, who could
 * set it too. DELETE stays refused: the log's rows, order and keys are the audit trail and hold nothing
 * personal once `data` is scrubbed.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE OR REPLACE FUNCTION order_events_append_only() RETURNS trigger AS $$
    BEGIN
      IF TG_OP = 'UPDATE' AND current_setting('dy.erasure', true) = 'on' THEN
        IF (to_jsonb(NEW) - 'data') IS DISTINCT FROM (to_jsonb(OLD) - 'data') THEN
          RAISE EXCEPTION 'order_events: erasure may rewrite only the data column';
        END IF;
        RETURN NEW;
      END IF;
      RAISE EXCEPTION 'order_events is append-only';
    END $$ LANGUAGE plpgsql;
  `);

  // Proof that a request was carried out, without keeping what was erased: the e-mail only as a keyed hash
  // (the same one the anonymised orders carry), so "was this customer erased?" stays answerable.
  await knex.schema.createTable('erasure_requests', (t) => {
    t.bigIncrements('id');
    t.string('email_hash', 64).notNullable();
    t.string('requested_by').notNullable();
    t.timestamp('requested_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.jsonb('counts').notNullable().defaultTo('{}');
    t.index(['email_hash']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('erasure_requests');
  await knex.raw(`
    CREATE OR REPLACE FUNCTION order_events_append_only() RETURNS trigger AS $$
    BEGIN RAISE EXCEPTION 'order_events is append-only'; END $$ LANGUAGE plpgsql;
  `);
}
