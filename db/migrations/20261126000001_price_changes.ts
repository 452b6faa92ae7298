import type { Knex } from 'knex';

/**
 * Who changed a SKU's price, from what to what, and when. `skus.price_pence` only holds the current price;
 * orders keep the price they were sold at in their lines, so this table is the only record of the change.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('price_changes', (t) => {
    t.bigIncrements('id');
    t.string('sku').notNullable().references('skus.sku');
    t.integer('old_price_pence').notNullable();
    t.integer('new_price_pence').notNullable();
    t.string('actor').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['sku', 'created_at']);
  });
  await knex.raw('ALTER TABLE price_changes ADD CONSTRAINT price_changes_positive CHECK (new_price_pence > 0)');
  // The stock ledger is read per SKU on the catalogue page, newest first.
  await knex.raw('CREATE INDEX IF NOT EXISTS stock_ledger_sku_id ON stock_ledger (sku, id)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX IF EXISTS stock_ledger_sku_id');
  await knex.schema.dropTableIfExists('price_changes');
}
