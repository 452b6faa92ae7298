// One page per order: payment while it waits for it, then the confirmation and live tracking to the door.
import './lib/layout.js';
import './orderStream.js';
import { api, ApiError, h, money, replace, statusText, when } from './lib/api.js';
import { createInbox } from './order/inbox.js';
import { renderParcels } from './order/parcels.js';
import { createProofField } from './order/proof.js';
import { createReturns } from './order/returns.js';

const STEPS = ['PAID', 'PROCESSING', 'PICKING', 'PACKED', 'SHIPPED', 'DELIVERED'];
/** Some parcels on their way or at the door: the step they are reaching shows as under way. */
const PARTIAL = { PARTIALLY_SHIPPED: 'SHIPPED', PARTIALLY_DELIVERED: 'DELIVERED' };
/** After delivery: one more step, shown only once something is on its way back. */
const RETURN_STATES = ['RETURN_REQUESTED', 'PARTIALLY_RETURNED', 'RETURNED'];
const HAPPY = [...STEPS, ...Object.keys(PARTIAL), ...RETURN_STATES];
const CANCELLABLE = ['AWAITING_PAYMENT', 'PAID', 'PROCESSING', 'PICKING', 'PACKED'];
const CANCEL_TEXT = {
  PAYMENT_FAILED: 'the payment was declined',
  PAYMENT_TIMEOUT: 'no payment arrived in time',
  CUSTOMER_CANCELLED: 'you cancelled it',
  ADMIN_CANCELLED: 'our team cancelled it',
  PAYMENT_SETUP_FAILED: 'the payment could not be started',
};

const root = document.getElementById('order');
const orderId = decodeURIComponent(location.pathname.split('/').filter(Boolean)[1] || '');
const storeKey = `dy-order-${orderId}`;
const saved = JSON.parse(sessionStorage.getItem(storeKey) || '{}');
// The server swapped the token or link in the URL for an httpOnly cookie (paths /orders/<n> and /api/orders/<n>)
// before this page loaded: no script here ever holds the key to the order.
const justOrdered = Boolean(saved.clientSecret);

const ui = {
  title: h('h1'),
  pill: h('span', { class: 'status-pill', id: 'order-status', 'data-status': '' }),
  live: h('span', { class: 'live', 'data-state': 'connecting', role: 'status' }, 'Connecting for live updates…'),
  notices: h('div', { id: 'order-notices', 'aria-live': 'polite' }),
  progress: h('ol', { class: 'progress', 'aria-label': 'Order progress' }),
  payment: h('section', { id: 'payment', 'aria-labelledby': 'payment-title' }),
  parcels: h('section', { id: 'parcels', 'aria-labelledby': 'parcels-title' }),
  returns: undefined,
  inbox: undefined,
  items: h('section', { id: 'items', 'aria-labelledby': 'items-title' }),
  history: h('section', { id: 'history', 'aria-labelledby': 'history-title' }),
  actions: h('section', { id: 'actions', 'aria-label': 'Order actions' }),
};

let order; // the last GET answer
let records = []; // every parcel with its whole tracking history (outbound and returns)
const openKeys = new Set(); // disclosures the customer opened, kept open across re-renders
const events = new Map(); // the stream's events by id: the whole history, then each new one
let paymentMode;
let paymentShownFor;

const statusEvents = () => [...events.values()].filter((e) => e.type === 'status_changed' && e.toStatus).sort((a, b) => a.id - b.id);
/** The stream is ahead of a query of the workflow (the event is written just before the state moves). */
const currentStatus = () => statusEvents().at(-1)?.toStatus || order?.status;

/** How far a status has come along the steps: the last step done, and a step under way (partial states). */
function reachOf(status) {
  if (STEPS.includes(status)) return { done: STEPS.indexOf(status) };
  if (PARTIAL[status]) return { done: STEPS.indexOf(PARTIAL[status]) - 1, partial: STEPS.indexOf(PARTIAL[status]), partialText: statusText(status) };
  if (RETURN_STATES.includes(status)) return { done: STEPS.length - 1 };
  return { done: -1 };
}

function renderProgress(status) {
  const past = statusEvents().map((e) => e.toStatus);
  const here = reachOf(status);
  // Off the happy path (a problem, a cancellation) the steps show how far the order had come.
  const doneUpTo = HAPPY.includes(status) ? here.done : Math.max(-1, ...past.map((s) => reachOf(s).done));
  const current = here.partial ?? (STEPS.includes(status) ? here.done : undefined);
  const items = STEPS.map((step, i) => {
    const done = i <= doneUpTo;
    const partial = i === here.partial;
    return h(
      'li',
      { class: done ? 'done' : partial ? 'partial' : '', 'aria-current': i === current ? 'step' : undefined, 'data-step': step },
      partial ? here.partialText : statusText(step),
      h('span', { class: 'visually-hidden' }, done ? ' (done)' : partial ? ' (under way)' : ' (to come)'),
    );
  });
  const returnState = RETURN_STATES.includes(status) ? status : past.filter((s) => RETURN_STATES.includes(s)).at(-1);
  if (returnState) {
    const done = returnState !== 'RETURN_REQUESTED';
    const active = status === returnState;
    items.push(
      h(
        'li',
        { class: done ? 'done' : 'partial', 'aria-current': active ? 'step' : undefined, 'data-step': 'RETURN' },
        statusText(returnState),
        h('span', { class: 'visually-hidden' }, done ? ' (done)' : ' (under way)'),
      ),
    );
  }
  ui.progress.dataset.steps = String(items.length);
  replace(ui.progress, items);
}

function retryLink() {
  const items = (order?.lines || []).map((l) => `${encodeURIComponent(l.sku)}:${l.quantity}`).join(',');
  return `/checkout?retry=${encodeURIComponent(orderId)}&items=${items}`;
}

function renderNotices(status) {
  const cancelled = statusEvents().filter((e) => e.toStatus === 'CANCELLED').at(-1);
  const notes = [];
  if (status === 'CANCELLED') {
    const reason = cancelled?.reason || order?.cancelReason;
    if (reason === 'PAYMENT_FAILED') {
      const message = cancelled?.data?.note || 'Your payment was declined.';
      notes.push(
        h('div', { class: 'notice bad', id: 'payment-declined' }, h('strong', {}, 'Payment declined: '), message, ' Nothing was charged and the items are back in stock. ', h('a', { href: retryLink() }, 'Try again with the same items')),
      );
    } else {
      const refunded = cancelled?.data?.refundedPence;
      notes.push(h('div', { class: 'notice warn' }, `This order was cancelled: ${CANCEL_TEXT[reason] || 'it could not go ahead'}.`, refunded ? ` ${money(refunded)} is on its way back to your card.` : ''));
    }
  } else if (status === 'AWAITING_PAYMENT') {
    notes.push(h('div', { class: 'notice' }, 'Your items are reserved while you pay.'));
  } else if (status === 'NEEDS_ATTENTION') {
    notes.push(h('div', { class: 'notice warn' }, 'There is a problem with the delivery. Our team has been told and will be in touch.'));
  } else if (status === 'OUT_OF_STOCK') {
    notes.push(h('div', { class: 'notice bad' }, 'Sorry, some items sold out before your order was placed. Nothing was charged.'));
  } else if (status === 'RETURN_REQUESTED') {
    notes.push(h('div', { class: 'notice', id: 'return-notice' }, 'Your return is under way: send the parcel back with the label below. We refund the items as soon as they reach us.'));
  } else if (status === 'PARTIALLY_RETURNED' || status === 'RETURNED') {
    notes.push(h('div', { class: 'notice ok', id: 'return-notice' }, `${status === 'RETURNED' ? 'Everything is back with us' : 'Your return is back with us'}: ${money(order?.refundedPence)} has been refunded to your card.`));
  } else if (STEPS.includes(status) || PARTIAL[status]) {
    notes.push(
      h('div', { class: 'notice ok', id: 'confirmation' }, status === 'DELIVERED' ? 'Delivered. Enjoy, and thank you for shopping with DY Official.' : `Thank you${order ? `, ${order.name.split(' ')[0]}` : ''}: your order is confirmed${justOrdered && order ? ` and a receipt is on its way to ${order.email}` : ''}.`),
    );
  }
  replace(ui.notices, notes);
}

async function showStripe() {
  if (!saved.clientSecret) {
    replace(ui.payment, h('p', { class: 'notice warn' }, 'This payment can only be completed from the browser that placed the order. ', h('a', { href: retryLink() }, 'Place it again')));
    return;
  }
  await new Promise((resolve, reject) => {
    const s = document.createElement('script');
    s.src = 'https://js.stripe.com/v3/';
    s.onload = resolve;
    s.onerror = () => reject(new Error('Stripe.js did not load'));
    document.head.append(s);
  });
  const stripe = window.Stripe(paymentMode.publishableKey);
  const elements = stripe.elements({ clientSecret: saved.clientSecret });
  const mount = h('div', { id: 'payment-element' });
  const message = h('p', { role: 'alert' });
  const pay = h('button', { type: 'submit' }, `Pay ${money(order.totals.totalPence)}`);
  replace(
    ui.payment,
    h('h2', { id: 'payment-title' }, 'Payment'),
    h(
      'form',
      {
        class: 'panel',
        onsubmit: async (e) => {
          e.preventDefault();
          pay.disabled = true;
          const { error } = await stripe.confirmPayment({ elements, confirmParams: { return_url: location.href }, redirect: 'if_required' });
          message.textContent = error ? error.message : 'Payment sent: confirming…';
          if (error) pay.disabled = false;
        },
      },
      mount,
      message,
      pay,
    ),
  );
  elements.create('payment').mount(mount);
}

function showTestPanel() {
  const message = h('p', { role: 'status', id: 'test-payment-message' });
  const send = (outcome) => async () => {
    for (const b of ui.payment.querySelectorAll('button')) b.disabled = true;
    message.textContent = outcome === 'succeed' ? 'Paying…' : 'Declining…';
    try {
      await api(`/api/orders/${encodeURIComponent(orderId)}/test-payments`, { method: 'POST', body: { outcome } });
      message.textContent = 'Sent as Stripe would send it; waiting for the order to update…';
    } catch (err) {
      message.textContent = `The test payment failed: ${err.message}`;
      for (const b of ui.payment.querySelectorAll('button')) b.disabled = false;
    }
  };
  replace(
    ui.payment,
    h(
      'div',
      { class: 'panel test-payments' },
      h('h2', { id: 'payment-title' }, 'Test payment — development only'),
      h('p', {}, 'No card is charged. This panel signs the same webhook Stripe would send and exists only outside production.'),
      h('div', { class: 'actions' }, h('button', { type: 'button', id: 'test-pay', onclick: send('succeed') }, `Pay ${money(order.totals.totalPence)}`), h('button', { type: 'button', class: 'secondary', id: 'test-decline', onclick: send('decline') }, 'Decline payment')),
      message,
    ),
  );
}

function renderPayment(status) {
  if (status !== 'AWAITING_PAYMENT') {
    replace(ui.payment);
    paymentShownFor = undefined;
    return;
  }
  if (paymentShownFor === orderId || !order || !paymentMode) return;
  paymentShownFor = orderId; // once: Stripe's fields must survive every re-render
  if (paymentMode.mode === 'stripe') showStripe().catch((err) => replace(ui.payment, h('p', { class: 'notice bad' }, `Payment could not be loaded: ${err.message}`)));
  else if (paymentMode.mode === 'test') showTestPanel();
  else replace(ui.payment, h('p', { class: 'notice warn' }, 'Payments are not available right now. Your items stay reserved for a while; please try again shortly.'));
}

function renderItems() {
  if (!order) return;
  const t = order.totals;
  replace(
    ui.items,
    h('h2', { id: 'items-title' }, 'Items'),
    h('div', { class: 'table-wrap' }, h('table', {}, h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Item'), h('th', { scope: 'col', class: 'num' }, 'Qty'), h('th', { scope: 'col', class: 'num' }, 'Price'))), h('tbody', {}, order.lines.map((l) => h('tr', {}, h('td', {}, l.productName, h('div', { class: 'muted' }, `Size ${l.size}`)), h('td', { class: 'num' }, String(l.quantity)), h('td', { class: 'num' }, money(l.lineTotalPence))))))),
    h('div', { class: 'summary' }, h('div', {}, h('span', {}, 'Subtotal'), h('span', {}, money(t.subtotalPence))), h('div', {}, h('span', {}, 'Delivery'), h('span', {}, t.shippingPence ? money(t.shippingPence) : 'Free')), h('div', {}, h('span', { class: 'muted' }, 'of which VAT'), h('span', { class: 'muted' }, money(t.vatPence))), h('div', { class: 'total' }, h('span', {}, 'Total'), h('span', {}, money(t.totalPence))), order.refundedPence ? h('div', {}, h('span', {}, 'Refunded'), h('span', {}, money(order.refundedPence))) : null),
  );
}

const parcelsCount = () => (order?.shipments || []).length;

function describe(e) {
  const d = e.data || {};
  if (e.type === 'status_changed') return statusText(e.toStatus) + (e.reason && e.toStatus === 'CANCELLED' ? ` (${CANCEL_TEXT[e.reason] || e.reason.toLowerCase()})` : '');
  if (e.type === 'tracking_updated') return `${parcelsCount() > 1 && d.shipmentNo ? `Parcel ${d.shipmentNo}` : 'Parcel'}: ${statusText(d.status)}`;
  if (e.type === 'return_requested') return `Return ${d.returnNo} requested`;
  if (e.type === 'return_label_issued') return `Return ${d.returnNo}: label ready`;
  if (e.type === 'return_tracking_updated') return `Return ${d.returnNo} parcel: ${statusText(d.status)}`;
  if (e.type === 'return_received') return `Return ${d.returnNo} received at our warehouse`;
  if (e.type === 'return_refunded') return `Return ${d.returnNo} refunded: ${money(d.refundPence)}`;
  if (e.type === 'return_failed') return `Return ${d.returnNo} could not be completed`;
  return e.type.replace(/_/g, ' ');
}

const HISTORY_TYPES = ['status_changed', 'tracking_updated', 'return_requested', 'return_label_issued', 'return_tracking_updated', 'return_received', 'return_refunded', 'return_failed'];

function renderHistory() {
  const list = [...events.values()].filter((e) => HISTORY_TYPES.includes(e.type)).sort((a, b) => b.id - a.id);
  replace(ui.history, list.length ? [h('h2', { id: 'history-title' }, 'History'), h('ol', { class: 'timeline' }, list.map((e) => h('li', {}, h('time', { datetime: e.occurredAt }, when(e.occurredAt)), describe(e))))] : null);
}

// One field for the whole page life: what the customer typed survives the re-renders each event brings.
const proof = createProofField({ id: 'cancel-email', emailNeeded: () => order?.access?.emailNeeded !== false });
// Whether the customer opened "Cancel order": each event re-renders the actions, and must not close it under them.
let cancelOpen = false;

function renderActions(status) {
  if (!CANCELLABLE.includes(status)) {
    replace(ui.actions);
    return;
  }
  const message = h('p', { role: 'status' });
  const ask = h('button', { type: 'button', class: 'secondary', id: 'cancel-order' }, 'Cancel order');
  const confirmBox = h('div', { class: 'actions', hidden: !cancelOpen });
  ask.hidden = cancelOpen;
  const yes = h('button', { type: 'button', class: 'danger', id: 'confirm-cancel' }, 'Yes, cancel my order');
  const no = h('button', { type: 'button', class: 'secondary' }, 'Keep my order');
  proof.update();
  confirmBox.append(h('span', {}, status === 'AWAITING_PAYMENT' ? 'Cancel and release the items?' : 'Cancel and refund in full?'), proof.node, yes, no);
  ask.addEventListener('click', () => {
    cancelOpen = true;
    confirmBox.hidden = false;
    ask.hidden = true;
    no.focus();
  });
  no.addEventListener('click', () => {
    cancelOpen = false;
    confirmBox.hidden = true;
    ask.hidden = false;
    ask.focus();
  });
  yes.addEventListener('click', async () => {
    yes.disabled = true;
    try {
      const body = proof.needed() ? { email: proof.value() } : {};
      order = await api(`/api/orders/${encodeURIComponent(orderId)}/cancel`, { method: 'POST', body });
      message.textContent = 'Your order is cancelled.';
      render();
    } catch (err) {
      if (err instanceof ApiError && err.code === 'PROOF_REQUIRED') {
        proof.show(err.fields[0]?.message);
        message.textContent = 'Type the e-mail address you ordered with, then confirm again.';
      } else {
        message.textContent = err instanceof ApiError && err.status === 409 ? `It can no longer be cancelled: ${err.message}` : `Cancelling failed: ${err.message}`;
      }
      yes.disabled = false;
    }
  });
  replace(ui.actions, ask, confirmBox, message);
}

function render() {
  const status = currentStatus();
  if (!status) return;
  ui.title.textContent = `Order ${orderId}`;
  ui.pill.textContent = statusText(status);
  ui.pill.dataset.status = status;
  ui.pill.className = `status-pill ${HAPPY.includes(status) ? 'ok' : status === 'CANCELLED' || status === 'OUT_OF_STOCK' ? 'bad' : ''}`;
  renderNotices(status);
  renderProgress(status);
  renderPayment(status);
  renderParcels(ui.parcels, { order, records, openKeys });
  ui.returns.update(order, records);
  renderItems();
  renderHistory();
  renderActions(status);
}

// Same-origin requests carry the order's cookie by themselves.
const headers = {};

async function refresh() {
  const path = `/api/orders/${encodeURIComponent(orderId)}`;
  const [fresh, parcels] = await Promise.all([
    api(path, { headers }),
    // The full histories only matter once a parcel exists; a failure keeps the last ones shown.
    order?.shipments?.length || order?.returns?.length ? api(`${path}/shipments`, { headers }).catch(() => undefined) : undefined,
  ]);
  order = fresh;
  if (parcels) records = parcels.shipments;
  else if (!records.length && (order.shipments.length || order.returns.length)) records = (await api(`${path}/shipments`, { headers }).catch(() => ({ shipments: [] }))).shipments;
  render();
}

const refreshInbox = () => ui.inbox.refresh().catch(() => {});

let refreshTimer;
const laterTimers = [];
/**
 * Events arrive in bursts (the whole history on connect): one read of the order after a burst, and one more
 * a moment later; the in-app message an event owes is written just after it, so the inbox is read once more.
 */
function refreshSoon() {
  clearTimeout(refreshTimer);
  for (const t of laterTimers.splice(0)) clearTimeout(t);
  refreshTimer = setTimeout(() => {
    refresh().catch(() => {});
    refreshInbox();
    laterTimers.push(
      setTimeout(() => {
        refresh().catch(() => {});
        refreshInbox();
      }, 1500),
      setTimeout(refreshInbox, 5000),
    );
  }, 200);
}

function notFound() {
  replace(root, h('h1', {}, 'Order not found'), h('p', {}, 'This link is not valid. ', h('a', { href: '/track' }, 'Find your order'), ' with its number and your e-mail.'));
}

async function start() {
  ui.returns = createReturns({ orderId, openKeys, emailNeeded: () => order?.access?.emailNeeded !== false, onChange: () => refresh().catch(() => {}) });
  ui.inbox = createInbox({ orderId, openKeys });
  const [config] = await Promise.all([api('/api/storefront/config').catch(() => ({ payments: { mode: 'none' } })), refresh().catch((err) => Promise.reject(err)), refreshInbox()]);
  paymentMode = config.payments;
  replace(
    root,
    h('div', { class: 'actions' }, ui.title, ui.pill, ui.live),
    ui.notices,
    ui.progress,
    ui.payment,
    h('div', { class: 'layout-2' }, h('div', {}, ui.parcels, ui.returns.node, ui.items), h('div', {}, ui.inbox.node, ui.history, ui.actions)),
  );
  root.setAttribute('aria-busy', 'false');
  render();
  window.DyOrderStream.open({
    url: `/api/orders/${encodeURIComponent(orderId)}/stream`,
    onEvent(event) {
      events.set(event.id, event);
      render();
      refreshSoon();
    },
    onState(state) {
      ui.live.dataset.state = state;
      ui.live.textContent = state === 'open' ? 'Live' : state === 'closed' ? 'Live updates stopped' : 'Reconnecting…';
    },
  });
}

start().catch((err) => (err instanceof ApiError && err.status === 404 ? notFound() : replace(root, h('p', { class: 'notice bad' }, 'Your order could not be loaded. Please refresh in a moment.'))));
