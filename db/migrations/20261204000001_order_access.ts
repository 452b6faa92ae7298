import type { Knex } from 'knex';

/**
 * Access by order, not by e-mail (issue 10). Every secret a customer holds is random and only its SHA-256 is
 * kept, so a copy of the database opens nothing:
 * - order_access_tokens: an order's tracking tokens (kind `token`, one per checkout answer) and the browser
 *   sessions they or a link were exchanged for (kind `session`; `proof_until` when it came from a one-time link);
 * - order_links: one-time links (purpose `access`, single use, sent by e-mail) and each message's own link
 *   (purpose `message`, reusable until it expires, read-only). A link's secret is derived from its `nonce` and
 *   the server's secret, so a retried send mails the same link; the nonce alone opens nothing;
 * - customer_sessions: an e-mail address proven by a one-time link, for what is keyed by the e-mail.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('order_access_tokens', (t) => {
    t.bigIncrements('id');
    t.string('order_number').notNullable().references('orders.order_number');
    t.specificType('token_hash', 'char(64)').notNullable().unique();
    t.string('kind', 16).notNullable();
    // Which credential a session came from (a token, a one-time link, a message link): for support questions.
    t.string('source', 16);
    t.timestamp('proof_until', { useTz: true });
    t.timestamp('expires_at', { useTz: true }).notNullable();
    t.timestamp('revoked_at', { useTz: true });
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['order_number']);
  });
  await knex.raw("ALTER TABLE order_access_tokens ADD CONSTRAINT order_access_tokens_kind CHECK (kind IN ('token', 'session'))");

  await knex.schema.createTable('order_links', (t) => {
    t.bigIncrements('id');
    t.string('order_number').notNullable().references('orders.order_number');
    t.string('purpose', 16).notNullable();
    // Who asked: the finder, the order page, staff rotating access; unique, so a retried activity finds its row.
    t.string('request_key').unique();
    t.bigInteger('notification_id').unique().references('notifications.id');
    t.string('nonce', 64).notNullable();
    t.specificType('token_hash', 'char(64)').notNullable().unique();
    t.timestamp('expires_at', { useTz: true }).notNullable();
    t.timestamp('used_at', { useTz: true });
    t.timestamp('sent_at', { useTz: true });
    t.timestamp('revoked_at', { useTz: true });
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['order_number']);
  });
  await knex.raw("ALTER TABLE order_links ADD CONSTRAINT order_links_purpose CHECK (purpose IN ('access', 'message'))");

  await knex.schema.createTable('customer_sessions', (t) => {
    t.bigIncrements('id');
    t.string('email').notNullable();
    t.specificType('token_hash', 'char(64)').notNullable().unique();
    t.timestamp('expires_at', { useTz: true }).notNullable();
    t.timestamp('revoked_at', { useTz: true });
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['email']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('customer_sessions');
  await knex.schema.dropTableIfExists('order_links');
  await knex.schema.dropTableIfExists('order_access_tokens');
}
