// The bag: lines with live prices and stock, quantities, remove, then checkout.
import './lib/layout.js';
import { api, h, money, replace } from './lib/api.js';
import { lines, remove, setQuantity } from './lib/cart.js';

const root = document.getElementById('cart');
let catalogue = new Map();

function render() {
  const bag = lines();
  if (bag.length === 0) {
    replace(root, h('p', {}, 'Your bag is empty. ', h('a', { href: '/' }, 'Shop the collection')));
    return;
  }
  let subtotal = 0;
  const rows = bag.map((line) => {
    const sku = catalogue.get(line.sku);
    const lineTotal = sku ? sku.pricePence * line.quantity : 0;
    subtotal += lineTotal;
    const qtyId = `qty-${line.sku}`;
    return h(
      'tr',
      { dataset: { sku: line.sku } },
      h('td', {}, sku ? h('strong', {}, sku.name) : line.sku, sku ? h('div', { class: 'muted' }, `${sku.colour} · size ${sku.size}`) : h('div', { class: 'error' }, 'No longer available')),
      h(
        'td',
        {},
        h('label', { for: qtyId, class: 'visually-hidden' }, `Quantity of ${sku ? sku.name : line.sku}`),
        h('input', {
          id: qtyId,
          type: 'number',
          min: '1',
          max: String(Math.min(20, sku ? Math.max(1, sku.available) : 20)),
          value: String(line.quantity),
          inputmode: 'numeric',
          onchange: (e) => {
            setQuantity(line.sku, Number(e.target.value) || 1);
            render();
          },
        }),
        sku && sku.available < line.quantity ? h('div', { class: 'error' }, `Only ${sku.available} left`) : null,
      ),
      h('td', { class: 'num' }, money(lineTotal)),
      h('td', {}, h('button', { type: 'button', class: 'secondary', onclick: () => (remove(line.sku), render()) }, 'Remove', h('span', { class: 'visually-hidden' }, ` ${sku ? sku.name : line.sku}`))),
    );
  });
  replace(
    root,
    h('div', { class: 'table-wrap' }, h('table', {}, h('caption', { class: 'visually-hidden' }, 'Items in your bag'), h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Item'), h('th', { scope: 'col' }, 'Quantity'), h('th', { scope: 'col', class: 'num' }, 'Price'), h('th', { scope: 'col' }, h('span', { class: 'visually-hidden' }, 'Actions')))), h('tbody', {}, rows))),
    h('div', { class: 'summary' }, h('div', {}, h('span', {}, 'Subtotal'), h('span', {}, money(subtotal))), h('p', { class: 'muted' }, 'Delivery is chosen at checkout. Prices include VAT.')),
    h('p', { class: 'actions' }, h('a', { class: 'button', href: '/checkout' }, 'Checkout'), h('a', { href: '/' }, 'Continue shopping')),
  );
}

api('/api/products')
  .then((data) => {
    catalogue = new Map(data.products.map((p) => [p.sku, p]));
    render();
  })
  .catch(() => replace(root, h('p', { class: 'notice bad' }, 'Your bag could not be loaded. Please refresh in a moment.')));
window.addEventListener('cart-changed', render);
