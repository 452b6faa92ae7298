import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('products', (t) => {
    t.string('id').primary(); // slug, e.g. "dy-heavyweight-tee"
    t.string('name').notNullable();
    t.text('description').notNullable().defaultTo('');
    t.string('category').notNullable();
    t.string('colour').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });

  // One row per product and size: the unit that is priced, stocked and reserved.
  await knex.schema.createTable('skus', (t) => {
    t.string('sku').primary();
    t.string('product_id').notNullable().references('products.id');
    t.string('size').notNullable();
    t.integer('price_pence').notNullable(); // gross, UK VAT included
    t.integer('vat_rate_bp').notNullable().defaultTo(2000); // basis points: 2000 = 20 %
    t.integer('available').notNullable();
    t.integer('sort_order').notNullable().defaultTo(0);
    t.unique(['product_id', 'size']);
  });
  await knex.raw('ALTER TABLE skus ADD CONSTRAINT skus_available_non_negative CHECK (available >= 0)');
  await knex.raw('ALTER TABLE skus ADD CONSTRAINT skus_price_positive CHECK (price_pence > 0)');

  await knex.schema.createTable('orders', (t) => {
    t.string('order_number').primary(); // what customers quote; workflow id is order-<order_number>
    t.string('workflow_id').notNullable().unique();
    t.string('status').notNullable();
    t.string('cancel_reason');
    t.string('attention_reason');
    t.string('email').notNullable();
    t.string('name').notNullable();
    t.string('phone');
    t.jsonb('shipping_address').notNullable();
    t.string('currency', 3).notNullable().defaultTo('GBP');
    t.integer('subtotal_pence').notNullable();
    t.integer('shipping_pence').notNullable().defaultTo(0);
    t.integer('total_pence').notNullable();
    t.integer('vat_pence').notNullable();
    t.string('payment_intent_id');
    t.string('carrier');
    t.string('tracking_number');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['status']);
    t.index(['email']);
    t.index(['created_at']);
  });

  await knex.schema.createTable('order_lines', (t) => {
    t.bigIncrements('id');
    t.string('order_number').notNullable().references('orders.order_number');
    t.integer('line_no').notNullable();
    t.string('sku').notNullable().references('skus.sku');
    t.string('product_name').notNullable();
    t.string('size').notNullable();
    t.integer('quantity').notNullable();
    t.integer('unit_price_pence').notNullable();
    t.integer('line_total_pence').notNullable();
    t.integer('vat_pence').notNullable();
    t.unique(['order_number', 'line_no']);
  });

  // Append-only audit trail; `id` is the one increasing cursor live streams resume from.
  await knex.schema.createTable('order_events', (t) => {
    t.bigIncrements('id');
    t.string('order_number').notNullable();
    t.integer('seq').notNullable(); // per order, assigned under the order's row lock
    t.string('event_key').notNullable(); // the writer's idempotency key: a retried write finds its row
    t.string('type').notNullable();
    t.string('from_status');
    t.string('to_status');
    t.string('actor').notNullable(); // system, customer, admin:<who>, stripe, warehouse, carrier
    t.string('reason');
    t.jsonb('data').notNullable().defaultTo('{}');
    t.timestamp('occurred_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['order_number', 'seq']);
    t.unique(['order_number', 'event_key']);
  });
  await knex.raw(`
    CREATE FUNCTION order_events_append_only() RETURNS trigger AS $$
    BEGIN RAISE EXCEPTION 'order_events is append-only'; END $$ LANGUAGE plpgsql;
    CREATE TRIGGER order_events_no_update BEFORE UPDATE OR DELETE ON order_events
      FOR EACH ROW EXECUTE FUNCTION order_events_append_only();
  `);

  // Every stock movement, keyed by the step that caused it: a retried step finds its row, a new step adds one.
  await knex.schema.createTable('stock_ledger', (t) => {
    t.bigIncrements('id');
    t.string('order_number');
    t.string('sku').notNullable().references('skus.sku');
    t.string('kind').notNullable(); // reserve, release, return, adjust
    t.string('ref').notNullable(); // reservation, shipment-<n>, return-<n>, adjustment-<id>
    t.integer('quantity').notNullable(); // signed change to `available`
    t.string('actor').notNullable().defaultTo('system');
    t.string('note');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw('CREATE UNIQUE INDEX stock_ledger_step ON stock_ledger (order_number, sku, kind, ref) NULLS NOT DISTINCT');

  await knex.schema.createTable('payments', (t) => {
    t.bigIncrements('id');
    t.string('order_number').notNullable().references('orders.order_number');
    t.string('payment_intent_id').notNullable().unique();
    t.integer('amount_pence').notNullable();
    t.string('currency', 3).notNullable().defaultTo('GBP');
    t.string('status').notNullable(); // requires_payment_method, succeeded, failed, canceled
    t.string('failure_message');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });

  await knex.schema.createTable('refunds', (t) => {
    t.bigIncrements('id');
    t.string('order_number').notNullable().references('orders.order_number');
    t.string('payment_intent_id').notNullable();
    t.string('idempotency_key').notNullable().unique();
    t.string('stripe_refund_id');
    t.integer('amount_pence').notNullable();
    t.string('reason').notNullable();
    t.string('status').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });

  await knex.schema.createTable('webhook_events', (t) => {
    t.string('event_id').primary(); // Stripe's evt_… id: a redelivery finds this row
    t.string('type').notNullable();
    t.string('order_number');
    t.string('payment_intent_id');
    t.jsonb('payload').notNullable();
    t.string('status').notNullable(); // received, processed, ignored, failed
    t.integer('attempts').notNullable().defaultTo(0);
    t.text('last_error');
    t.timestamp('received_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('processed_at', { useTz: true });
    t.index(['status']);
  });

  // A retried checkout (same Idempotency-Key) must land on the same order.
  await knex.schema.createTable('checkout_requests', (t) => {
    t.string('idempotency_key').primary();
    t.string('request_hash').notNullable();
    t.string('order_number').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const table of ['checkout_requests', 'webhook_events', 'refunds', 'payments', 'stock_ledger', 'order_events', 'order_lines', 'orders', 'skus', 'products']) {
    await knex.schema.dropTableIfExists(table);
  }
  await knex.raw('DROP FUNCTION IF EXISTS order_events_append_only() CASCADE');
}
