import type { Db } from '../connection';

interface SeedProduct {
  id: string;
  name: string;
  category: string;
  colour: string;
  description: string;
  pricePence: number; // gross, 20 % UK VAT included
  /** Packed (polybag or box included) weight in grams and folded size in mm: what carriers weigh and measure. */
  packed: { weightGrams: number; lengthMm: number; widthMm: number; heightMm: number };
  sizes: Array<[size: string, stock: number]>;
}

const APPAREL = ['XS', 'S', 'M', 'L', 'XL', 'XXL'];
const sized = (stock: number[]): Array<[string, number]> => APPAREL.map((s, i) => [s, stock[i] ?? 0]);

/** DY Official's launch range. Some sizes are low or sold out on purpose: the storefront must show it. */
export const CATALOGUE: SeedProduct[] = [
  { id: 'dy-heavyweight-tee-black', name: 'DY Heavyweight Logo Tee', category: 'T-Shirts', colour: 'Black', description: '240 gsm organic cotton, boxy fit, puff-print chest logo.', pricePence: 3500, packed: { weightGrams: 300, lengthMm: 300, widthMm: 250, heightMm: 30 }, sizes: sized([12, 40, 55, 48, 20, 6]) },
  { id: 'dy-heavyweight-tee-white', name: 'DY Heavyweight Logo Tee', category: 'T-Shirts', colour: 'Off White', description: '240 gsm organic cotton, boxy fit, tonal chest logo.', pricePence: 3500, packed: { weightGrams: 300, lengthMm: 300, widthMm: 250, heightMm: 30 }, sizes: sized([8, 30, 42, 35, 2, 0]) },
  { id: 'dy-essential-hoodie-grey', name: 'DY Essential Hoodie', category: 'Hoodies', colour: 'Heather Grey', description: '400 gsm brushed-back fleece, double-lined hood, embroidered logo.', pricePence: 7500, packed: { weightGrams: 750, lengthMm: 350, widthMm: 300, heightMm: 80 }, sizes: sized([4, 18, 25, 22, 10, 3]) },
  { id: 'dy-essential-hoodie-navy', name: 'DY Essential Hoodie', category: 'Hoodies', colour: 'Navy', description: '400 gsm brushed-back fleece, double-lined hood, embroidered logo.', pricePence: 7500, packed: { weightGrams: 750, lengthMm: 350, widthMm: 300, heightMm: 80 }, sizes: sized([0, 6, 10, 10, 1, 0]) },
  { id: 'dy-cargo-trousers-olive', name: 'DY Utility Cargo Trousers', category: 'Trousers', colour: 'Olive', description: 'Ripstop cotton, six pockets, adjustable cuffs.', pricePence: 8900, packed: { weightGrams: 650, lengthMm: 350, widthMm: 300, heightMm: 60 }, sizes: [['28R', 5], ['30R', 14], ['32R', 16], ['34R', 12], ['36R', 4], ['38R', 0]] },
  { id: 'dy-track-jacket-black', name: 'DY Archive Track Jacket', category: 'Outerwear', colour: 'Black / Cream', description: 'Recycled tricot, contrast piping, full zip.', pricePence: 11000, packed: { weightGrams: 700, lengthMm: 350, widthMm: 300, heightMm: 70 }, sizes: sized([2, 7, 9, 9, 3, 1]) },
  { id: 'dy-puffer-jacket-black', name: 'DY Cropped Puffer', category: 'Outerwear', colour: 'Black', description: 'Recycled fill, water-repellent shell, packable hood.', pricePence: 18500, packed: { weightGrams: 1200, lengthMm: 500, widthMm: 400, heightMm: 150 }, sizes: sized([1, 4, 6, 5, 2, 0]) },
  { id: 'dy-crewneck-sweat-sage', name: 'DY Script Crewneck', category: 'Sweatshirts', colour: 'Sage', description: 'Loopback cotton, raglan sleeves, embroidered script.', pricePence: 6500, packed: { weightGrams: 600, lengthMm: 350, widthMm: 300, heightMm: 60 }, sizes: sized([6, 20, 24, 20, 8, 2]) },
  { id: 'dy-jogger-grey', name: 'DY Fleece Jogger', category: 'Trousers', colour: 'Heather Grey', description: 'Brushed fleece, tapered leg, zip pockets.', pricePence: 5500, packed: { weightGrams: 550, lengthMm: 350, widthMm: 300, heightMm: 60 }, sizes: sized([5, 22, 30, 26, 12, 4]) },
  { id: 'dy-beanie-black', name: 'DY Ribbed Beanie', category: 'Accessories', colour: 'Black', description: 'Merino blend, woven label.', pricePence: 2200, packed: { weightGrams: 120, lengthMm: 200, widthMm: 150, heightMm: 40 }, sizes: [['One Size', 60]] },
  { id: 'dy-cap-cream', name: 'DY Six-Panel Cap', category: 'Accessories', colour: 'Cream', description: 'Washed cotton twill, strap back, embroidered logo.', pricePence: 2800, packed: { weightGrams: 150, lengthMm: 250, widthMm: 200, heightMm: 120 }, sizes: [['One Size', 3]] },
  { id: 'dy-tote-natural', name: 'DY Canvas Tote', category: 'Accessories', colour: 'Natural', description: '16 oz canvas, inner pocket.', pricePence: 1800, packed: { weightGrams: 250, lengthMm: 350, widthMm: 300, heightMm: 20 }, sizes: [['One Size', 80]] },
  { id: 'dy-socks-3pack', name: 'DY Sport Socks (3 pack)', category: 'Accessories', colour: 'White', description: 'Cushioned sole, ribbed cuff.', pricePence: 1500, packed: { weightGrams: 200, lengthMm: 250, widthMm: 150, heightMm: 40 }, sizes: [['UK 4-7', 40], ['UK 8-11', 35], ['UK 12-14', 0]] },
];

export const skuOf = (productId: string, size: string): string =>
  `${productId}-${size}`.toUpperCase().replace(/[^A-Z0-9]+/g, '-').replace(/-+$/, '');

/** What migration 20261125000005 gave every existing product: a placeholder, not a measurement. */
const MIGRATION_PLACEHOLDER_SIZE = { weight_grams: 400, length_mm: 300, width_mm: 250, height_mm: 40 };

/**
 * Inserts what is missing and leaves existing rows alone: running the seed on every start must never
 * reset stock that orders have already moved. Weights are the one exception: a product still carrying the
 * migration's placeholder gets its measured weight and size; one somebody has since changed keeps theirs.
 */
export async function seedCatalogue(db: Db): Promise<{ products: number; skus: number }> {
  let skus = 0;
  await db.transaction(async (trx) => {
    for (const p of CATALOGUE) {
      const size = { weight_grams: p.packed.weightGrams, length_mm: p.packed.lengthMm, width_mm: p.packed.widthMm, height_mm: p.packed.heightMm };
      await trx('products')
        .insert({ id: p.id, name: p.name, category: p.category, colour: p.colour, description: p.description, ...size })
        .onConflict('id')
        .ignore();
      await trx('products').where({ id: p.id, ...MIGRATION_PLACEHOLDER_SIZE }).update(size);
      for (const [i, [size, stock]] of p.sizes.entries()) {
        const inserted = await trx('skus')
          .insert({ sku: skuOf(p.id, size), product_id: p.id, size, price_pence: p.pricePence, vat_rate_bp: 2000, available: stock, sort_order: i })
          .onConflict('sku')
          .ignore()
          .returning('sku');
        skus += inserted.length;
      }
    }
  });
  return { products: CATALOGUE.length, skus };
}
