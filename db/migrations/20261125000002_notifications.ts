import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  // One row per message we owe: written before the send and after it, so a retried activity or a replayed
  // workflow finds the send recorded and never sends again.
  await knex.schema.createTable('notifications', (t) => {
    t.bigIncrements('id');
    t.string('dedupe_key').notNullable().unique(); // `<order event id>:<channel>` for order events
    t.string('order_number');
    t.bigInteger('order_event_id');
    t.string('channel').notNullable(); // email, sms, in_app, slack
    t.string('template').notNullable();
    t.string('recipient').notNullable();
    t.string('audience').notNullable().defaultTo('customer'); // customer, admin
    t.string('status').notNullable(); // pending, sent, failed, bounced, skipped
    t.integer('attempts').notNullable().defaultTo(0);
    t.text('last_error');
    t.string('message_id').notNullable(); // deterministic: a provider can recognise a repeat
    t.string('provider_id');
    t.jsonb('payload').notNullable().defaultTo('{}');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('sent_at', { useTz: true });
    t.index(['order_number']);
    t.index(['status']);
  });

  await knex.schema.createTable('customer_preferences', (t) => {
    t.string('email').primary();
    t.jsonb('channels').notNullable().defaultTo(JSON.stringify(['email', 'sms', 'in_app']));
    t.string('phone');
    t.boolean('non_essential_opt_out').notNullable().defaultTo(false);
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });

  await knex.schema.createTable('in_app_notifications', (t) => {
    t.bigIncrements('id');
    t.string('dedupe_key').notNullable().unique();
    t.string('email').notNullable();
    t.string('order_number');
    t.string('title').notNullable();
    t.text('body').notNullable();
    t.string('link');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('read_at', { useTz: true });
    t.index(['email']);
    t.index(['order_number']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('in_app_notifications');
  await knex.schema.dropTableIfExists('customer_preferences');
  await knex.schema.dropTableIfExists('notifications');
}
