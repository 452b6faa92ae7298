import type { Knex } from 'knex';

/**
 * Multi-carrier fulfilment: product weights for rating and splitting parcels, the customer's shipping choice
 * on the order, one row per parcel (outbound or return) with its tracking history, and returns.
 */
export async function up(knex: Knex): Promise<void> {
  // Packed weight and box size per product: what the carriers' rate bands and parcel limits are measured in.
  await knex.schema.alterTable('products', (t) => {
    t.integer('weight_grams').notNullable().defaultTo(400);
    t.integer('length_mm').notNullable().defaultTo(300);
    t.integer('width_mm').notNullable().defaultTo(250);
    t.integer('height_mm').notNullable().defaultTo(40);
  });
  await knex.raw('ALTER TABLE products ADD CONSTRAINT products_weight_positive CHECK (weight_grams > 0)');

  await knex.schema.alterTable('orders', (t) => {
    t.string('shipping_option'); // standard | express | next_day (the customer's service level)
    t.string('shipping_zone'); // UK | EU | ROW
    t.date('promised_delivery_date');
    // { carrier, service, costPence, reason, overriddenBy? }: how the carrier was picked, and by whom if not automatically
    t.jsonb('carrier_choice');
  });

  // One row per parcel the store sends or gets back; `shipment_no` counts per order and kind.
  await knex.schema.createTable('shipments', (t) => {
    t.bigIncrements('id');
    t.string('order_number').notNullable().references('orders.order_number');
    t.string('kind').notNullable().defaultTo('outbound'); // outbound | return
    t.integer('shipment_no').notNullable();
    t.string('workflow_id').notNullable().unique(); // shipment-<order>-<n> | return-<order>-<n>
    t.string('carrier');
    t.string('service');
    t.string('tracking_number');
    t.string('label_url');
    t.string('status').notNullable(); // PENDING, then the carrier vocabulary (LABEL_PURCHASED … DELIVERED), CANCELLED, REPLACED, REFUNDED
    t.integer('weight_grams').notNullable();
    t.jsonb('lines').notNullable(); // [{ lineNo, sku, quantity }]
    t.integer('cost_pence');
    t.timestamp('estimated_delivery', { useTz: true });
    t.string('exception_reason');
    t.text('exception_detail');
    t.integer('replaces_shipment_no'); // a reship names the parcel it replaces
    t.timestamp('booked_at', { useTz: true });
    t.timestamp('delivered_at', { useTz: true });
    t.timestamp('last_event_at', { useTz: true });
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['order_number', 'kind', 'shipment_no']);
    t.index(['tracking_number']);
    t.index(['status']);
    t.index(['carrier']);
  });

  // The carrier's own events, kept raw beside our reading of them; a re-poll finds its rows.
  await knex.schema.createTable('shipment_events', (t) => {
    t.bigIncrements('id');
    t.bigInteger('shipment_id').notNullable().references('shipments.id');
    t.string('status').notNullable();
    t.timestamp('occurred_at', { useTz: true }).notNullable();
    t.text('description').notNullable();
    t.string('location');
    t.jsonb('raw');
    t.timestamp('recorded_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['shipment_id', 'occurred_at', 'status', 'description']);
  });

  await knex.schema.createTable('returns', (t) => {
    t.bigIncrements('id');
    t.string('order_number').notNullable().references('orders.order_number');
    t.integer('return_no').notNullable();
    t.jsonb('lines').notNullable(); // [{ lineNo, sku, quantity }]
    t.string('reason').notNullable();
    t.string('status').notNullable(); // REQUESTED, LABEL_ISSUED, IN_TRANSIT, RECEIVED, REFUNDED
    t.integer('refund_pence');
    t.timestamp('requested_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('completed_at', { useTz: true });
    t.unique(['order_number', 'return_no']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('returns');
  await knex.schema.dropTableIfExists('shipment_events');
  await knex.schema.dropTableIfExists('shipments');
  await knex.schema.alterTable('orders', (t) => {
    t.dropColumns('shipping_option', 'shipping_zone', 'promised_delivery_date', 'carrier_choice');
  });
  await knex.raw('ALTER TABLE products DROP CONSTRAINT IF EXISTS products_weight_positive');
  await knex.schema.alterTable('products', (t) => {
    t.dropColumns('weight_grams', 'length_mm', 'width_mm', 'height_mm');
  });
}
