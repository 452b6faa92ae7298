// Checkout: contact, address, delivery choice, then the order is placed and payment taken on its page.
import './lib/layout.js';
import { api, ApiError, carrierName, day, h, money, replace, showFieldErrors } from './lib/api.js';
import { clear, lines } from './lib/cart.js';

const form = document.getElementById('checkout-form');
const notice = document.getElementById('checkout-notice');
const summary = document.getElementById('checkout-summary');
const choices = document.getElementById('shipping-choices');
const submit = document.getElementById('place-order');

let catalogue = new Map();
let options = []; // shipping quotes; empty when the quotes service is not there
let quoting = 0;

/** The bag, or the items of a payment-failure e-mail's link (/checkout?retry=DY-…&items=SKU:2,SKU:1). */
function items() {
  const params = new URLSearchParams(location.search);
  const listed = params.get('items');
  if (listed) {
    return listed
      .split(',')
      .map((part) => {
        const at = part.lastIndexOf(':');
        return { sku: decodeURIComponent(part.slice(0, at)), quantity: Number(part.slice(at + 1)) };
      })
      .filter((i) => i.sku && Number.isInteger(i.quantity) && i.quantity > 0);
  }
  return lines();
}

function say(kind, ...content) {
  replace(notice, content.length ? h('div', { class: `notice ${kind}` }, ...content) : null);
}

function chosenOption() {
  const picked = form.querySelector('input[name="shippingOption"]:checked');
  return options.find((o) => o.level === picked?.value);
}

function renderSummary() {
  const list = items();
  let subtotal = 0;
  const rows = list.map((i) => {
    const sku = catalogue.get(i.sku);
    const total = sku ? sku.pricePence * i.quantity : 0;
    subtotal += total;
    return h('div', {}, h('span', {}, `${i.quantity} × ${sku ? `${sku.name} (${sku.size})` : i.sku}`), h('span', {}, money(total)));
  });
  const option = chosenOption();
  const shipping = option ? option.pricePence : 0;
  replace(
    summary,
    h(
      'div',
      { class: 'summary' },
      rows,
      h('div', {}, h('span', {}, 'Subtotal'), h('span', {}, money(subtotal))),
      h('div', {}, h('span', {}, 'Delivery'), h('span', {}, option ? (shipping === 0 ? 'Free' : money(shipping)) : 'Free')),
      h('div', { class: 'total' }, h('span', {}, 'Total'), h('span', { 'data-total': '' }, money(subtotal + shipping))),
      h('p', { class: 'muted' }, 'Prices include UK VAT.'),
    ),
  );
}

function optionLabel(o) {
  const name = { standard: 'Standard delivery', express: 'Express delivery', next_day: 'Next-day delivery' }[o.level] || o.level;
  return [h('span', {}, h('strong', {}, name), h('br'), h('span', { class: 'muted' }, [o.promisedDate ? `Arrives by ${day(o.promisedDate)}` : null, o.carrier ? `with ${carrierName(o.carrier)}` : null].filter(Boolean).join(' · '))), h('span', { class: 'price' }, o.pricePence === 0 ? 'Free' : money(o.pricePence))];
}

/** Rates and promised dates for this bag and country; without the quotes service, one free standard line. */
async function quote() {
  const mine = ++quoting;
  const country = form.elements['shippingAddress.country'].value;
  replace(choices, h('p', { class: 'muted' }, 'Finding delivery options…'));
  let found = [];
  try {
    const answer = await api('/api/shipping/quotes', { method: 'POST', body: { items: items(), country } });
    found = Array.isArray(answer?.options) ? answer.options.filter((o) => o && typeof o.level === 'string' && Number.isInteger(o.pricePence)) : [];
  } catch {
    found = [];
  }
  if (mine !== quoting) return;
  const previous = chosenOption()?.level;
  options = found;
  if (options.length === 0) {
    replace(choices, h('p', { 'data-shipping-fallback': '' }, h('strong', {}, 'Standard delivery — free'), h('br'), h('span', { class: 'muted' }, 'Dispatched within 2 working days; tracking by e-mail.')));
  } else {
    const selected = options.find((o) => o.level === previous) ? previous : options[0].level;
    replace(
      choices,
      options.map((o) =>
        h('label', { class: 'choice' }, h('input', { type: 'radio', name: 'shippingOption', value: o.level, checked: o.level === selected, onchange: renderSummary }), optionLabel(o)),
      ),
    );
  }
  renderSummary();
}

/** One Idempotency-Key per distinct order attempt: a double click or a retried request lands on the same order. */
function idempotencyKey(body) {
  const json = JSON.stringify(body);
  const saved = JSON.parse(sessionStorage.getItem('dy-checkout-key') || 'null');
  if (saved && saved.body === json) return saved.key;
  const key = crypto.randomUUID();
  sessionStorage.setItem('dy-checkout-key', JSON.stringify({ key, body: json }));
  return key;
}

function bodyFrom() {
  const v = (name) => form.elements[name].value.trim();
  const body = {
    email: v('email'),
    name: v('name'),
    items: items(),
    shippingAddress: { line1: v('shippingAddress.line1'), city: v('shippingAddress.city'), postcode: v('shippingAddress.postcode'), country: v('shippingAddress.country') },
  };
  if (v('shippingAddress.line2')) body.shippingAddress.line2 = v('shippingAddress.line2');
  if (v('phone')) body.phone = v('phone');
  const option = chosenOption();
  if (option) body.shippingOption = option.level;
  return body;
}

form.addEventListener('submit', async (e) => {
  e.preventDefault();
  say();
  const body = bodyFrom();
  if (body.items.length === 0) {
    say('bad', 'Your bag is empty. ', h('a', { href: '/' }, 'Shop the collection'));
    return;
  }
  submit.disabled = true;
  submit.textContent = 'Placing your order…';
  try {
    const order = await api('/api/checkout', { method: 'POST', body, headers: { 'Idempotency-Key': idempotencyKey(body) } });
    // Only the payment's client secret stays in the tab; the token goes once to the order page, which swaps it for
    // an httpOnly cookie and reloads without it.
    sessionStorage.setItem(`dy-order-${order.orderId}`, JSON.stringify({ clientSecret: order.payment?.clientSecret }));
    sessionStorage.removeItem('dy-checkout-key');
    clear();
    location.assign(`/orders/${encodeURIComponent(order.orderId)}?token=${encodeURIComponent(order.trackingToken)}`);
    return;
  } catch (err) {
    if (!(err instanceof ApiError)) say('bad', 'We could not reach the shop. Check your connection and try again.');
    else if (err.code === 'VALIDATION_FAILED') {
      const left = showFieldErrors(form, err.fields);
      say('bad', 'Please check the highlighted details.', left.length ? h('ul', {}, left.map((f) => h('li', {}, `${f.field}: ${f.message}`))) : null);
      form.querySelector('[aria-invalid="true"]')?.focus();
    } else if (err.code === 'OUT_OF_STOCK') {
      const short = (err.body?.error?.shortLines || []).map((l) => h('li', {}, `${catalogue.get(l.sku)?.name || l.sku} (${catalogue.get(l.sku)?.size || ''}): ${l.available} left`));
      say('bad', 'Some items sold out while you were shopping:', h('ul', {}, short), h('a', { href: '/cart' }, 'Update your bag'));
    } else say('bad', err.message);
  }
  submit.disabled = false;
  submit.textContent = 'Continue to payment';
});

form.elements['shippingAddress.country'].addEventListener('change', quote);

if (new URLSearchParams(location.search).get('retry')) {
  say('warn', 'Your last payment did not go through, so nothing was charged. Your items are below: try again when ready.');
}
api('/api/products')
  .then((data) => {
    catalogue = new Map(data.products.map((p) => [p.sku, p]));
    renderSummary();
  })
  .catch(() => say('bad', 'The shop could not be reached. Please refresh in a moment.'));
quote();
