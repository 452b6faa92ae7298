import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  // One row per alert key: an evaluation that sees the key again only bumps last_seen_at, so a condition that
  // lasts hours is announced once. A key that comes back after being resolved starts a new episode in the
  // same row (episode + 1), which is what keeps its messages' ids distinct.
  await knex.schema.createTable('alerts', (t) => {
    t.bigIncrements('id');
    t.string('key', 300).notNullable().unique(); // e.g. stuck:DY-261125-7K3QM:AWAITING_PAYMENT, payment_failure_rate
    t.string('rule').notNullable();
    t.string('severity').notNullable(); // critical, warning
    t.string('status').notNullable(); // firing, resolved
    t.text('summary').notNullable();
    t.jsonb('details').notNullable().defaultTo('{}');
    t.integer('episode').notNullable().defaultTo(1);
    t.timestamp('first_fired_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('last_seen_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('resolved_at', { useTz: true });
    // Set when a delivery claims the announcement (before it sends), so a second evaluation never claims it too.
    t.timestamp('notified_at', { useTz: true });
    t.timestamp('resolved_notified_at', { useTz: true });
    // Per phase: the claiming delivery and what each channel did, so a retry sends only what is missing.
    t.jsonb('deliveries').notNullable().defaultTo('{}');
    t.index(['status', 'rule']);
  });
  await knex.raw("ALTER TABLE alerts ADD CONSTRAINT alerts_status_known CHECK (status IN ('firing', 'resolved'))");
  await knex.raw("ALTER TABLE alerts ADD CONSTRAINT alerts_severity_known CHECK (severity IN ('critical', 'warning'))");

  // The rules read the last few minutes of these tables every interval: without these, each check is a full scan.
  await knex.raw('CREATE INDEX order_events_type_occurred_at_idx ON order_events (type, occurred_at)');
  await knex.raw('CREATE INDEX payments_updated_at_idx ON payments (updated_at)');
  await knex.raw('CREATE INDEX notifications_updated_at_idx ON notifications (updated_at)');
  await knex.raw('CREATE INDEX webhook_events_received_at_idx ON webhook_events (received_at)');
  await knex.raw('CREATE INDEX orders_status_updated_at_idx ON orders (status, updated_at)');
}

export async function down(knex: Knex): Promise<void> {
  for (const index of ['orders_status_updated_at_idx', 'webhook_events_received_at_idx', 'notifications_updated_at_idx', 'payments_updated_at_idx', 'order_events_type_occurred_at_idx']) {
    await knex.raw(`DROP INDEX IF EXISTS ${index}`);
  }
  await knex.schema.dropTableIfExists('alerts');
}
