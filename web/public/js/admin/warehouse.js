// Warehouse: the orders to pick, mark picked, pack into parcels (weights and lines, prefilled from the suggested
// split), then print each parcel's label once the carrier has booked it. Follows the admin event stream, so
// orders move on every open page without a reload.
import '../orderStream.js';
import { carrierName, h, replace, statusText, when } from '../lib/api.js';
import { adminApi, requireSession } from './common.js';

const toPickRoot = document.getElementById('to-pick');
const packedRoot = document.getElementById('packed');
const countBadge = document.getElementById('to-pick-count');
const notice = document.getElementById('warehouse-notice');
const live = document.getElementById('warehouse-live');

const MAX_PARCEL_GRAMS = 30_000; // the packed call's limit (api/schemas.ts parcelSchema)
const SERVICE = { standard: 'Standard', express: 'Express', next_day: 'Next day' };
const WAREHOUSE_STATUS = { PAID: 'Paid', PROCESSING: 'Processing', PICKING: 'To pick', PACKED: 'Packed, booking', PARTIALLY_SHIPPED: 'Partly shipped', SHIPPED: 'Shipped' };

/** What the packer typed, per order: a refresh of the board (another order moved) must not wipe it. */
const packing = new Map(); // orderId → [{ weight: '1200', qty: { [lineNo]: '1' } }]
/** Orders whose picked/packed call was accepted: their card waits for the workflow to move them. */
const pending = new Map(); // orderId → what was sent
const problems = new Map(); // orderId → the last refusal, shown in its card
const rendered = new WeakMap(); // DOM node → the JSON it was built from

const enc = encodeURIComponent;
const kg = (grams) => `${(grams / 1000).toFixed(2)} kg`;

function pill(status, extra = '') {
  return h('span', { class: `status-pill ${extra}`.trim(), dataset: { status } }, WAREHOUSE_STATUS[status] || statusText(status));
}

function orderHeading(o, idPrefix) {
  return h('div', { class: 'actions' }, h('h3', { id: `${idPrefix}-${o.orderId}` }, h('a', { href: `/admin/orders/${enc(o.orderId)}` }, o.orderId)));
}

function linesTable(o) {
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      {},
      h('caption', { class: 'visually-hidden' }, `Lines of ${o.orderId}`),
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Line'), h('th', { scope: 'col' }, 'SKU'), h('th', { scope: 'col' }, 'Item'), h('th', { scope: 'col', class: 'num' }, 'Qty'))),
      h('tbody', {}, o.lines.map((l) => h('tr', {}, h('td', {}, String(l.lineNo)), h('td', {}, l.sku), h('td', {}, `${l.productName} (${l.size})`), h('td', { class: 'num' }, String(l.quantity))))),
    ),
  );
}

/** The suggested split as editable state: one entry per parcel, each line's quantity in it. */
function initialPacking(o) {
  const suggested = o.suggestedParcels.length ? o.suggestedParcels : [{ weightGrams: '', lines: o.lines }];
  return suggested.map((p) => ({
    weight: String(p.weightGrams),
    qty: Object.fromEntries(o.lines.map((l) => [l.lineNo, String(p.lines.filter((x) => x.lineNo === l.lineNo).reduce((n, x) => n + x.quantity, 0))])),
  }));
}

/** The packed call's body, or the problems a packer can fix before sending it. */
function packBody(o, parcels) {
  const errors = [];
  const whole = (s) => (/^\d+$/.test(String(s).trim()) ? Number(String(s).trim()) : NaN);
  for (const l of o.lines) {
    const total = parcels.reduce((n, p) => n + (whole(p.qty[l.lineNo] || '0') || 0), 0);
    if (parcels.some((p) => Number.isNaN(whole(p.qty[l.lineNo] || '0')))) errors.push(`Line ${l.lineNo}: quantities must be whole numbers.`);
    else if (total !== l.quantity) errors.push(`Line ${l.lineNo} (${l.sku}): ${total} packed of ${l.quantity}.`);
  }
  const body = parcels.map((p, i) => {
    const weightGrams = whole(p.weight);
    if (Number.isNaN(weightGrams) || weightGrams < 1 || weightGrams > MAX_PARCEL_GRAMS) errors.push(`Parcel ${i + 1}: weight must be whole grams from 1 to ${MAX_PARCEL_GRAMS}.`);
    const lines = o.lines.map((l) => ({ lineNo: l.lineNo, quantity: whole(p.qty[l.lineNo] || '0') })).filter((x) => x.quantity > 0);
    if (lines.length === 0) errors.push(`Parcel ${i + 1} holds nothing: move a line into it or remove it.`);
    return { weightGrams, lines };
  });
  return { errors, parcels: body };
}

async function send(o, action, body, card) {
  problems.delete(o.orderId);
  for (const b of card.querySelectorAll('button')) b.disabled = true;
  try {
    await adminApi(`/api/admin/orders/${enc(o.orderId)}/${action}`, { method: 'POST', body });
    pending.set(o.orderId, action);
  } catch (err) {
    problems.set(o.orderId, err.fields && err.fields.length ? err.fields.map((f) => `${f.field}: ${f.message}`).join(' ') : err.message);
  }
  // Re-render this card now (pending or refused); the stream brings the move itself.
  rendered.delete(card);
  refresh();
}

function packForm(o, card) {
  if (!packing.has(o.orderId)) packing.set(o.orderId, initialPacking(o));
  const parcels = packing.get(o.orderId);
  const redraw = () => {
    const focused = document.activeElement?.getAttribute('name');
    form.replaceWith(packForm(o, card));
    if (focused) card.querySelector(`[name="${CSS.escape(focused)}"]`)?.focus();
  };
  const cell = (i, name, value, label, onInput, attrs = {}) => h('td', {}, h('input', { name, value, inputmode: 'numeric', pattern: '[0-9]*', 'aria-label': label, class: 'qty', oninput: (e) => onInput(e.target.value), ...attrs }));
  const form = h(
    'form',
    {
      class: 'pack-form',
      novalidate: true,
      oninput: () => {
        problems.delete(o.orderId);
        const alert = card.querySelector('.card-problem');
        if (alert) alert.textContent = '';
      },
      onsubmit: (e) => {
        e.preventDefault();
        const { errors, parcels: body } = packBody(o, parcels);
        if (errors.length) {
          problems.set(o.orderId, errors.join(' '));
          const alert = card.querySelector('.card-problem');
          if (alert) alert.textContent = problems.get(o.orderId);
          return;
        }
        send(o, 'packed', { parcels: body }, card);
      },
    },
    h('h4', {}, `Pack into ${parcels.length} ${parcels.length === 1 ? 'parcel' : 'parcels'}`),
    h('p', { class: 'muted' }, o.splitSource === 'planned' ? 'Prefilled with the suggested split from the carriers’ parcel limits; change weights and move units between parcels as packed.' : 'Prefilled as one parcel at the products’ weights; weigh it and split it as packed.'),
    h(
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        { class: 'pack-grid' },
        h('caption', { class: 'visually-hidden' }, `Units of each line in each parcel of ${o.orderId}`),
        h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Line'), parcels.map((_, i) => h('th', { scope: 'col', class: 'num' }, `Parcel ${i + 1}`)))),
        h(
          'tbody',
          {},
          o.lines.map((l) =>
            h(
              'tr',
              {},
              h('th', { scope: 'row' }, `${l.lineNo} · ${l.sku} × ${l.quantity}`),
              parcels.map((p, i) => cell(i, `p${i + 1}-line${l.lineNo}`, p.qty[l.lineNo] ?? '0', `Line ${l.lineNo} units in parcel ${i + 1}`, (v) => (p.qty[l.lineNo] = v))),
            ),
          ),
          h(
            'tr',
            {},
            h('th', { scope: 'row' }, 'Weight (grams)'),
            parcels.map((p, i) => cell(i, `p${i + 1}-weight`, p.weight, `Parcel ${i + 1} weight in grams`, (v) => (p.weight = v))),
          ),
        ),
      ),
    ),
    h(
      'div',
      { class: 'actions' },
      h('button', { type: 'submit' }, 'Mark packed'),
      h('button', { type: 'button', class: 'secondary', onclick: () => (parcels.push({ weight: '', qty: Object.fromEntries(o.lines.map((l) => [l.lineNo, '0'])) }), redraw()) }, 'Add a parcel'),
      parcels.length > 1
        ? h('button', { type: 'button', class: 'secondary', onclick: () => (parcels.pop(), redraw()) }, `Remove parcel ${parcels.length}`)
        : null,
      h('button', { type: 'button', class: 'secondary', onclick: () => (packing.set(o.orderId, initialPacking(o)), redraw()) }, 'Reset to suggested'),
    ),
  );
  return form;
}

function pickCard(o) {
  const card = h('article', { class: 'panel warehouse-card', dataset: { orderId: o.orderId }, 'aria-labelledby': `pick-${o.orderId}` });
  const waiting = pending.get(o.orderId);
  const state = o.status !== 'PICKING' ? pill(o.status) : o.picked ? h('span', { class: 'status-pill ok', dataset: { status: 'PICKED' } }, 'Picked') : pill(o.status);
  let action;
  if (waiting) action = h('p', { class: 'muted', role: 'status' }, waiting === 'picked' ? 'Marked picked; updating…' : 'Packed; booking with the carrier…');
  else if (o.status !== 'PICKING') action = h('p', { class: 'muted' }, 'Paid: it reaches the picking list in a moment.');
  else if (!o.picked) action = h('div', { class: 'actions' }, h('button', { type: 'button', onclick: () => send(o, 'picked', {}, card) }, 'Mark picked'));
  else action = packForm(o, card);
  const heading = orderHeading(o, 'pick');
  heading.append(state);
  // Element.append would write a missing part as the text "null".
  const parts = [
    heading,
    h('p', { class: 'muted' }, `${o.name} · placed ${when(o.createdAt)}${o.serviceLevel ? ` · ${SERVICE[o.serviceLevel] || o.serviceLevel}` : ''}`),
    linesTable(o),
    o.picked ? h('p', { class: 'muted' }, `Picked by ${o.picked.by}, ${when(o.picked.at)}`) : null,
    h('p', { class: 'error card-problem', role: 'alert' }, problems.get(o.orderId) || ''),
    action,
  ];
  card.append(...parts.filter(Boolean));
  return card;
}

function packedCard(o) {
  const heading = orderHeading(o, 'packed');
  heading.append(pill(o.status, o.status === 'SHIPPED' ? 'ok' : o.status === 'NEEDS_ATTENTION' || o.status === 'CANCELLED' ? 'bad' : ''));
  return h(
    'article',
    { class: 'panel warehouse-card', dataset: { orderId: o.orderId }, 'aria-labelledby': `packed-${o.orderId}` },
    heading,
    h('p', { class: 'muted' }, `${o.name} · packed by ${o.packedBy}, ${when(o.packedAt)}`),
    o.shipments.length === 0
      ? h('p', { class: 'muted' }, 'Booking with the carrier…')
      : h(
          'ul',
          { class: 'parcel-list' },
          o.shipments.map((s) =>
            h(
              'li',
              {},
              h('span', {}, `Parcel ${s.shipmentNo} · ${kg(s.weightGrams)} · ${s.carrier ? carrierName(s.carrier) : 'carrier'}${s.service ? ` ${s.service}` : ''}${s.trackingNumber ? ` · ${s.trackingNumber}` : ''} · ${statusText(s.status)}`),
              s.labelUrl ? h('a', { class: 'button secondary', href: s.labelUrl, download: true }, `Print label, parcel ${s.shipmentNo}`) : h('span', { class: 'muted' }, s.trackingNumber ? ' (label void)' : ' (booking…)'),
            ),
          ),
        ),
  );
}

/**
 * Keeps a card whose data did not change (with its inputs and focus) and rebuilds the others, in the
 * server's order; a rebuilt card that held the focus hands it to its first control.
 */
function reconcile(root, items, build) {
  const existing = new Map([...root.querySelectorAll(':scope > article[data-order-id]')].map((n) => [n.dataset.orderId, n]));
  const nodes = items.map((o) => {
    // Problems are not part of the key: typing clears one in place, and must not rebuild the card under the cursor.
    const key = JSON.stringify([o, pending.get(o.orderId) || null]);
    const old = existing.get(o.orderId);
    if (old && rendered.get(old) === key) return old;
    const node = build(o);
    rendered.set(node, key);
    if (old && old.contains(document.activeElement)) queueMicrotask(() => (node.querySelector('button, input, a') || node).focus());
    return node;
  });
  if (nodes.length === 0) {
    const lostFocus = root.contains(document.activeElement);
    replace(root, h('p', { class: 'muted' }, root === toPickRoot ? 'Nothing to pick right now.' : 'Nothing packed in the last 24 hours.'));
    if (lostFocus) document.getElementById('packed-heading')?.focus();
    return;
  }
  // Moving only what is out of place keeps the focused element where it is.
  let cursor = root.firstChild;
  for (const node of nodes) {
    if (node !== cursor) root.insertBefore(node, cursor);
    else cursor = cursor.nextSibling;
  }
  let lostFocus = false;
  while (cursor) {
    const next = cursor.nextSibling;
    lostFocus ||= cursor.contains(document.activeElement);
    cursor.remove();
    cursor = next;
  }
  // The order just packed leaves under the packer's cursor: keep the keyboard on the page, at the packed list.
  if (lostFocus) document.getElementById('packed-heading')?.focus();
}

let loading = false;
let again = false;
async function refresh() {
  if (loading) return void (again = true);
  loading = true;
  try {
    const board = await adminApi('/api/admin/warehouse/orders');
    const onBoard = new Set(board.toPick.map((o) => o.orderId));
    for (const id of [...packing.keys()]) if (!onBoard.has(id)) packing.delete(id);
    // An accepted action stays pending until the order shows it: picked recorded, or off the list once packed.
    for (const [id, action] of [...pending]) {
      const o = board.toPick.find((x) => x.orderId === id);
      if (!o || (action === 'picked' && o.picked)) pending.delete(id);
    }
    replace(notice);
    countBadge.textContent = String(board.toPick.length);
    reconcile(toPickRoot, board.toPick, pickCard);
    reconcile(packedRoot, board.packed, packedCard);
    toPickRoot.setAttribute('aria-busy', 'false');
  } catch (err) {
    replace(notice, h('p', { class: 'notice bad' }, err.status === 403 ? `The warehouse is not open to you: ${err.message}.` : `The board could not be loaded: ${err.message}`));
    toPickRoot.setAttribute('aria-busy', 'false');
  } finally {
    loading = false;
    if (again) {
      again = false;
      refresh();
    }
  }
}

let timer;
/** Events come in bursts (a pack writes several): one refresh per burst. */
function refreshSoon() {
  clearTimeout(timer);
  timer = setTimeout(refresh, 200);
}

let poll;
function follow() {
  window.DyOrderStream.open({
    url: '/api/staff/stream',
    onEvent: refreshSoon,
    onState(state) {
      live.dataset.state = state;
      live.textContent = state === 'open' ? 'Live' : state === 'closed' ? 'Live updates stopped: checking every 15 s' : 'Reconnecting…';
      // Without the stream the page still moves, more slowly; on (re)connect catch up on what was missed.
      if (state === 'open') {
        clearInterval(poll);
        poll = undefined;
        refreshSoon();
      } else if (!poll) poll = setInterval(refresh, 15_000);
    },
    onError() {},
  });
}

requireSession().then(() => {
  refresh();
  follow();
});
