// Catalogue: every product's sizes with price and stock; for one size, adjust its stock with a reason (a row
// in the stock ledger), change its price (recorded with who changed it) and read its ledger.
import { h, money, replace, showFieldErrors, when } from '../lib/api.js';
import { adminApi, requireSession } from './common.js';

const list = document.getElementById('catalogue');
const detail = document.getElementById('sku-detail');
const notice = document.getElementById('catalogue-notice');
const filter = document.getElementById('catalogue-filter');
const enc = encodeURIComponent;

let products = [];
let selected; // the SKU shown in the detail panel

const KIND = { reserve: 'Reserved', release: 'Released', return: 'Returned', adjust: 'Adjusted' };
const signed = (n) => (n > 0 ? `+${n}` : String(n));

/** An Idempotency-Key per intended adjustment: a resubmit after a lost answer changes stock once. */
function newKey() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return `web-${[...bytes].map((b) => b.toString(16).padStart(2, '0')).join('')}`;
}

/** "35", "35.5" or "35.50" pounds to pence, without floating point; undefined when it is not a price. */
function toPence(text) {
  const m = /^£?\s*(\d{1,6})(?:\.(\d{1,2}))?$/.exec(text.trim());
  if (!m) return undefined;
  return Number(m[1]) * 100 + Number((m[2] || '0').padEnd(2, '0'));
}

function stockClass(n) {
  return n === 0 ? 'stock out' : n <= 3 ? 'stock low' : 'stock';
}

function skuOf(sku) {
  for (const p of products) for (const s of p.skus) if (s.sku === sku) return { p, s };
  return undefined;
}

function renderList() {
  const q = filter.value.trim().toLowerCase();
  const rows = products.flatMap((p) => p.skus.map((s) => ({ p, s }))).filter(({ p, s }) => !q || `${p.name} ${p.colour} ${p.category} ${s.sku} ${s.size}`.toLowerCase().includes(q));
  replace(
    list,
    rows.length === 0
      ? h('p', { class: 'muted' }, 'Nothing matches.')
      : h(
          'div',
          { class: 'table-wrap' },
          h(
            'table',
            { id: 'catalogue-table' },
            h('caption', { class: 'visually-hidden' }, 'Products and sizes with price and stock'),
            h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Product and size'), h('th', { scope: 'col', class: 'num' }, 'Price'), h('th', { scope: 'col', class: 'num' }, 'Stock'), h('th', { scope: 'col' }, h('span', { class: 'visually-hidden' }, 'Actions')))),
            h(
              'tbody',
              {},
              rows.map(({ p, s }) =>
                h(
                  'tr',
                  { dataset: { sku: s.sku }, 'aria-current': s.sku === selected ? 'true' : undefined },
                  h('td', {}, `${p.name} `, h('strong', {}, s.size), h('div', { class: 'muted' }, `${p.colour} · ${s.sku}`)),
                  h('td', { class: 'num' }, money(s.pricePence)),
                  h('td', { class: 'num' }, h('span', { class: stockClass(s.available) }, String(s.available))),
                  h('td', {}, h('button', { type: 'button', class: 'secondary', 'aria-label': `Manage ${s.sku}`, onclick: () => openSku(s.sku) }, 'Manage')),
                ),
              ),
            ),
          ),
        ),
  );
  list.setAttribute('aria-busy', 'false');
}

function ledgerTable(entries) {
  if (entries.length === 0) return h('p', { class: 'muted' }, 'No stock movements yet.');
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { id: 'sku-ledger' },
      h('caption', { class: 'visually-hidden' }, 'Stock ledger, newest first'),
      h('thead', {}, h('tr', {}, ['When', 'Change', 'What, why and who'].map((t) => h('th', { scope: 'col', class: t === 'Change' ? 'num' : undefined }, t)))),
      h(
        'tbody',
        {},
        entries.map((e) =>
          h(
            'tr',
            { dataset: { kind: e.kind } },
            h('td', {}, h('time', { datetime: e.createdAt }, when(e.createdAt))),
            h('td', { class: 'num' }, signed(e.quantity)),
            // Three columns fit a phone. An adjustment's ref is only its idempotency key: the order is what a reader looks for.
            h(
              'td',
              {},
              h('strong', {}, KIND[e.kind] || e.kind),
              e.orderId ? [' · ', h('a', { href: `/admin/orders/${enc(e.orderId)}` }, e.orderId), e.ref === 'reservation' ? '' : ` (${e.ref})`] : null,
              e.note ? h('div', { class: 'note' }, e.note) : null,
              h('div', { class: 'muted actor' }, e.actor),
            ),
          ),
        ),
      ),
    ),
  );
}

function adjustForm(sku) {
  let key = newKey();
  const message = h('p', { class: 'error', role: 'alert' });
  const form = h(
    'form',
    {
      class: 'panel',
      id: 'adjust-form',
      novalidate: true,
      // Another intent (other numbers) gets another key; resubmitting the same one reuses it.
      oninput: () => (key = newKey()),
      onsubmit: async (e) => {
        e.preventDefault();
        message.textContent = '';
        const deltaText = form.elements.delta.value.trim();
        const body = { delta: /^[+-]?\d+$/.test(deltaText) ? Number(deltaText) : deltaText === '' ? undefined : deltaText, reason: form.elements.reason.value };
        // The same rules the API applies (it still checks): obvious slips are named without a round trip.
        const slips = [];
        if (!Number.isInteger(body.delta) || body.delta === 0) slips.push({ field: 'delta', message: 'Enter a whole number of units, not zero: 12 adds, -1 removes.' });
        if (body.reason.trim().length < 3) slips.push({ field: 'reason', message: 'Say why, in at least 3 characters: it goes in the ledger.' });
        showFieldErrors(form, slips);
        if (slips.length) return;
        e.submitter && (e.submitter.disabled = true);
        try {
          const result = await adminApi(`/api/admin/skus/${enc(sku)}/stock-adjustments`, { method: 'POST', body, headers: { 'Idempotency-Key': key } });
          const found = skuOf(sku);
          if (found) found.s.available = result.available;
          renderList();
          await openSku(sku, `Stock of ${sku} is now ${result.available} (${signed(result.adjustment.quantity)}).`);
        } catch (err) {
          const left = err.fields ? showFieldErrors(form, err.fields) : [];
          message.textContent = err.fields && err.fields.length && left.length === 0 ? 'Check the fields above.' : err.message;
          e.submitter && (e.submitter.disabled = false);
        }
      },
    },
    h('h3', {}, 'Adjust stock'),
    h('div', { class: 'row' }, h('div', { class: 'field' }, h('label', { for: 'adjust-delta' }, 'Change in units'), h('input', { id: 'adjust-delta', name: 'delta', type: 'text', inputmode: 'numeric', autocomplete: 'off', 'aria-describedby': 'adjust-delta-hint' }), h('p', { class: 'hint', id: 'adjust-delta-hint' }, 'Positive adds, negative removes: 12 for a delivery, -1 for a damaged item.')), h('div', { class: 'field' }, h('label', { for: 'adjust-reason' }, 'Reason'), h('input', { id: 'adjust-reason', name: 'reason', type: 'text', maxlength: '200', autocomplete: 'off' }))),
    message,
    h('button', { type: 'submit' }, 'Apply adjustment'),
  );
  return form;
}

function priceForm(sku, pricePence) {
  const message = h('p', { class: 'error', role: 'alert' });
  const form = h(
    'form',
    {
      class: 'panel',
      id: 'price-form',
      novalidate: true,
      onsubmit: async (e) => {
        e.preventDefault();
        message.textContent = '';
        const pence = toPence(form.elements.price.value);
        if (pence === undefined || pence < 1) {
          showFieldErrors(form, [{ field: 'price', message: 'Enter a price in pounds, e.g. 35 or 35.00.' }]);
          return;
        }
        e.submitter && (e.submitter.disabled = true);
        try {
          const result = await adminApi(`/api/admin/skus/${enc(sku)}`, { method: 'PATCH', body: { pricePence: pence } });
          const found = skuOf(sku);
          if (found) found.s.pricePence = result.pricePence;
          renderList();
          await openSku(sku, result.changed ? `Price of ${sku} is now ${money(result.pricePence)} (was ${money(result.previousPricePence)}).` : `Price of ${sku} was already ${money(result.pricePence)}.`);
        } catch (err) {
          const left = err.fields ? showFieldErrors(form, err.fields, (f) => (f === 'pricePence' ? 'price' : f)) : [];
          message.textContent = err.fields && err.fields.length && left.length === 0 ? '' : err.message;
          e.submitter && (e.submitter.disabled = false);
        }
      },
    },
    h('h3', {}, 'Price'),
    h('div', { class: 'field' }, h('label', { for: 'price-pounds' }, 'Price in £, VAT included'), h('input', { id: 'price-pounds', name: 'price', type: 'text', inputmode: 'decimal', autocomplete: 'off', value: (pricePence / 100).toFixed(2) }), h('p', { class: 'hint' }, 'For new orders; orders already placed keep their price.')),
    message,
    h('button', { type: 'submit' }, 'Save price'),
  );
  return form;
}

async function openSku(sku, flash) {
  selected = sku;
  for (const row of list.querySelectorAll('tr[data-sku]')) row.toggleAttribute('aria-current', row.dataset.sku === sku);
  detail.setAttribute('aria-busy', 'true');
  try {
    const data = await adminApi(`/api/admin/skus/${enc(sku)}/ledger`);
    const found = skuOf(sku);
    const title = found ? `${found.p.name} (${found.s.size})` : sku;
    const heading = h('h2', { id: 'sku-detail-heading', tabindex: '-1' }, title);
    replace(
      detail,
      heading,
      flash ? h('p', { class: 'notice ok', role: 'status', id: 'sku-flash' }, flash) : null,
      h('p', {}, h('code', {}, sku), ' · ', h('span', { id: 'sku-price' }, money(data.pricePence)), ' · ', h('span', { id: 'sku-available', class: stockClass(data.available) }, `${data.available} available`)),
      adjustForm(sku),
      priceForm(sku, data.pricePence),
      h('h3', {}, 'Stock ledger'),
      ledgerTable(data.entries),
      h('h3', {}, 'Price changes'),
      data.priceChanges.length
        ? h('ul', { id: 'price-changes' }, data.priceChanges.map((c) => h('li', {}, `${when(c.createdAt)}: ${money(c.oldPricePence)} → ${money(c.newPricePence)} by `, h('span', { class: 'actor' }, c.actor))))
        : h('p', { class: 'muted' }, 'No price changes recorded.'),
    );
    heading.focus();
  } catch (err) {
    replace(detail, h('h2', { id: 'sku-detail-heading', tabindex: '-1' }, sku), h('p', { class: 'notice bad' }, err.message));
  }
  detail.setAttribute('aria-busy', 'false');
}

async function load() {
  try {
    const data = await adminApi('/api/admin/catalogue');
    products = data.products;
    renderList();
  } catch (err) {
    list.setAttribute('aria-busy', 'false');
    replace(list);
    // A role without the catalogue gets the reason, not an empty search box.
    if (err.status === 403) document.querySelector('.catalogue').hidden = true;
    replace(notice, h('p', { class: 'notice bad' }, err.status === 403 ? `The catalogue is not open to you: ${err.message}.` : `The catalogue could not be loaded: ${err.message}`));
  }
}

filter.addEventListener('input', renderList);
requireSession().then(load);
