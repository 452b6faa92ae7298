// The catalogue: one card per product, its sizes with live stock, add to bag.
import './lib/layout.js';
import { api, h, money, replace } from './lib/api.js';
import { add, lines } from './lib/cart.js';

const REFRESH_MS = 15000;
const root = document.getElementById('catalogue');
const status = document.getElementById('shop-status');

function stockText(sku) {
  if (sku.available <= 0) return { text: 'Sold out', cls: 'out' };
  if (sku.available <= 5) return { text: `Only ${sku.available} left`, cls: 'low' };
  return { text: `${sku.available} in stock`, cls: '' };
}

/** SKUs grouped into products, in the API's order (category, name, colour, size). */
function group(products) {
  const byId = new Map();
  for (const sku of products) {
    if (!byId.has(sku.productId)) byId.set(sku.productId, { id: sku.productId, name: sku.name, colour: sku.colour, category: sku.category, description: sku.description, skus: [] });
    byId.get(sku.productId).skus.push(sku);
  }
  return [...byId.values()];
}

const cards = new Map();

function inBag(sku) {
  return lines().find((l) => l.sku === sku)?.quantity || 0;
}

function card(product) {
  const select = h('select', { id: `size-${product.id}`, name: 'sku' });
  const stock = h('p', { class: 'stock', id: `stock-${product.id}`, 'aria-live': 'polite' });
  const button = h('button', { type: 'submit' }, 'Add to bag');
  const price = h('p', { class: 'price' });
  const form = h(
    'form',
    {
      'aria-label': `Add ${product.name} in ${product.colour} to your bag`,
      onsubmit: (e) => {
        e.preventDefault();
        const sku = product.skus.find((s) => s.sku === select.value);
        if (!sku || sku.available - inBag(sku.sku) <= 0) return;
        add(sku.sku, 1);
        status.textContent = `${product.name}, ${product.colour}, size ${sku.size} added to your bag.`;
        button.textContent = 'Added ✓';
        setTimeout(() => (button.textContent = 'Add to bag'), 1500);
      },
    },
    h('div', {}, h('label', { for: select.id }, 'Size'), select),
    stock,
    button,
  );
  const node = h(
    'li',
    { class: 'product', dataset: { productId: product.id } },
    h('div', { class: 'swatch', 'aria-hidden': 'true' }, 'DY'),
    h('h2', {}, `${product.name}`),
    h('p', { class: 'muted' }, `${product.colour} · ${product.category}`),
    price,
    h('p', {}, product.description),
    form,
  );
  select.addEventListener('change', () => update(product));
  cards.set(product.id, { node, select, stock, button, price });
  return node;
}

/** Refreshes a card with fresh stock, keeping the shopper's chosen size. */
function update(product) {
  const c = cards.get(product.id);
  const chosen = c.select.value;
  replace(
    c.select,
    product.skus.map((s) => h('option', { value: s.sku, disabled: s.available <= 0 }, `${s.size}${s.available <= 0 ? ' (sold out)' : ''}`)),
  );
  const firstInStock = product.skus.find((s) => s.available > 0);
  c.select.value = product.skus.some((s) => s.sku === chosen) ? chosen : (firstInStock || product.skus[0]).sku;
  const sku = product.skus.find((s) => s.sku === c.select.value);
  const s = stockText(sku);
  c.stock.textContent = s.text;
  c.stock.className = `stock ${s.cls}`;
  c.stock.dataset.available = String(sku.available);
  c.price.textContent = money(sku.pricePence);
  c.button.disabled = sku.available <= 0;
}

async function load() {
  const data = await api('/api/products');
  const products = group(data.products);
  if (cards.size === 0) {
    replace(root, h('ul', { class: 'products' }, products.map(card)));
    root.setAttribute('aria-busy', 'false');
  }
  for (const product of products) if (cards.has(product.id)) update(product);
}

load().catch(() => replace(root, h('p', { class: 'notice bad' }, 'The collection could not be loaded. Please refresh in a moment.')));
// Live stock without a reload: other shoppers buy too. Paused while the tab is hidden.
setInterval(() => {
  if (document.visibilityState === 'visible') load().catch(() => {});
}, REFRESH_MS);
document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'visible') load().catch(() => {});
});
