// One page per order: payment while it waits for it, then the confirmation and live tracking to the door.
import './lib/layout.js';
import './orderStream.js';
import { api, ApiError, carrierName, day, h, money, replace, statusText, when } from './lib/api.js';

const STEPS = ['PAID', 'PROCESSING', 'PICKING', 'PACKED', 'SHIPPED', 'DELIVERED'];
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
const fromLink = new URLSearchParams(location.search).get('token');
const token = fromLink || saved.token;
if (fromLink) {
  // Keep the key to this order out of the address bar (and screenshots, shared links, history).
  sessionStorage.setItem(storeKey, JSON.stringify({ ...saved, token: fromLink }));
  history.replaceState(null, '', location.pathname);
}
const justOrdered = Boolean(saved.clientSecret);

const ui = {
  title: h('h1'),
  pill: h('span', { class: 'status-pill', id: 'order-status', 'data-status': '' }),
  live: h('span', { class: 'live', 'data-state': 'connecting', role: 'status' }, 'Connecting for live updates…'),
  notices: h('div', { id: 'order-notices', 'aria-live': 'polite' }),
  progress: h('ol', { class: 'progress', 'aria-label': 'Order progress' }),
  payment: h('section', { id: 'payment', 'aria-labelledby': 'payment-title' }),
  parcels: h('section', { id: 'parcels', 'aria-labelledby': 'parcels-title' }),
  items: h('section', { id: 'items', 'aria-labelledby': 'items-title' }),
  history: h('section', { id: 'history', 'aria-labelledby': 'history-title' }),
  actions: h('section', { id: 'actions', 'aria-label': 'Order actions' }),
};

let order; // the last GET answer
const events = new Map(); // the stream's events by id: the whole history, then each new one
let paymentMode;
let paymentShownFor;

const statusEvents = () => [...events.values()].filter((e) => e.type === 'status_changed' && e.toStatus).sort((a, b) => a.id - b.id);
/** The stream is ahead of a query of the workflow (the event is written just before the state moves). */
const currentStatus = () => statusEvents().at(-1)?.toStatus || order?.status;

function renderProgress(status) {
  const reached = STEPS.indexOf(status);
  const past = new Set(statusEvents().map((e) => e.toStatus));
  replace(
    ui.progress,
    STEPS.map((step, i) => {
      const done = reached >= 0 ? i <= reached : past.has(step);
      return h('li', { class: done ? 'done' : '', 'aria-current': i === reached ? 'step' : undefined, 'data-step': step }, statusText(step), h('span', { class: 'visually-hidden' }, done ? ' (done)' : ' (to come)'));
    }),
  );
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
  } else if (STEPS.includes(status)) {
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
      await api('/api/dev/test-payments', { method: 'POST', body: { orderId, outcome }, headers: { 'X-Tracking-Token': token } });
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

function renderParcels() {
  const shipments = order?.shipments || [];
  if (shipments.length === 0) {
    replace(ui.parcels);
    return;
  }
  replace(
    ui.parcels,
    h('h2', { id: 'parcels-title' }, shipments.length > 1 ? 'Parcels' : 'Parcel'),
    shipments.map((s, i) =>
      h(
        'div',
        { class: 'panel parcel', dataset: { trackingNumber: s.trackingNumber } },
        h('h3', {}, shipments.length > 1 ? `Parcel ${i + 1}` : 'Your parcel'),
        h('p', {}, h('strong', {}, 'Carrier: '), carrierName(s.carrier), h('br'), h('strong', {}, 'Tracking number: '), s.trackingNumber, h('br'), h('strong', {}, 'Status: '), h('span', { class: 'parcel-status' }, statusText(s.status)), s.estimatedDelivery ? [h('br'), h('strong', {}, 'Estimated delivery: '), day(s.estimatedDelivery)] : null),
        (s.events || []).length
          ? h(
              'ol',
              { class: 'timeline', 'aria-label': 'Tracking history' },
              [...s.events].reverse().map((e) => h('li', {}, h('time', { datetime: e.occurredAt || '' }, when(e.occurredAt)), statusText(e.status), e.description ? ` — ${e.description}` : '', e.location ? ` (${e.location})` : '')),
            )
          : null,
      ),
    ),
  );
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

function describe(e) {
  if (e.type === 'status_changed') return statusText(e.toStatus) + (e.reason && e.toStatus === 'CANCELLED' ? ` (${CANCEL_TEXT[e.reason] || e.reason.toLowerCase()})` : '');
  if (e.type === 'tracking_updated') return `Parcel: ${statusText(e.data?.status)}`;
  return e.type.replace(/_/g, ' ');
}

function renderHistory() {
  const list = [...events.values()].filter((e) => e.type === 'status_changed' || e.type === 'tracking_updated').sort((a, b) => b.id - a.id);
  replace(ui.history, list.length ? [h('h2', { id: 'history-title' }, 'History'), h('ol', { class: 'timeline' }, list.map((e) => h('li', {}, h('time', { datetime: e.occurredAt }, when(e.occurredAt)), describe(e))))] : null);
}

function renderActions(status) {
  if (!CANCELLABLE.includes(status)) {
    replace(ui.actions);
    return;
  }
  const message = h('p', { role: 'status' });
  const ask = h('button', { type: 'button', class: 'secondary', id: 'cancel-order' }, 'Cancel order');
  const confirmBox = h('div', { class: 'actions', hidden: true });
  const yes = h('button', { type: 'button', class: 'danger', id: 'confirm-cancel' }, 'Yes, cancel my order');
  const no = h('button', { type: 'button', class: 'secondary' }, 'Keep my order');
  confirmBox.append(h('span', {}, status === 'AWAITING_PAYMENT' ? 'Cancel and release the items?' : 'Cancel and refund in full?'), yes, no);
  ask.addEventListener('click', () => {
    confirmBox.hidden = false;
    ask.hidden = true;
    no.focus();
  });
  no.addEventListener('click', () => {
    confirmBox.hidden = true;
    ask.hidden = false;
    ask.focus();
  });
  yes.addEventListener('click', async () => {
    yes.disabled = true;
    try {
      order = await api(`/api/orders/${encodeURIComponent(orderId)}/cancel`, { method: 'POST', body: {}, headers: { 'X-Tracking-Token': token } });
      message.textContent = 'Your order is cancelled.';
      render();
    } catch (err) {
      message.textContent = err instanceof ApiError && err.status === 409 ? `It can no longer be cancelled: ${err.message}` : `Cancelling failed: ${err.message}`;
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
  ui.pill.className = `status-pill ${status === 'DELIVERED' || STEPS.includes(status) ? 'ok' : status === 'CANCELLED' || status === 'OUT_OF_STOCK' ? 'bad' : ''}`;
  renderNotices(status);
  renderProgress(status);
  renderPayment(status);
  renderParcels();
  renderItems();
  renderHistory();
  renderActions(status);
}

async function refresh() {
  order = await api(`/api/orders/${encodeURIComponent(orderId)}`, { headers: { 'X-Tracking-Token': token } });
  render();
}

let refreshTimer;
/** Events arrive in bursts (the whole history on connect): one read of the order after a burst, and one more a moment later. */
function refreshSoon() {
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(() => {
    refresh().catch(() => {});
    setTimeout(() => refresh().catch(() => {}), 1500);
  }, 200);
}

function notFound() {
  replace(root, h('h1', {}, 'Order not found'), h('p', {}, 'This link is not valid. ', h('a', { href: '/track' }, 'Find your order'), ' with its number and your e-mail.'));
}

async function start() {
  if (!token) return notFound();
  const [config] = await Promise.all([api('/api/storefront/config').catch(() => ({ payments: { mode: 'none' } })), refresh().catch((err) => Promise.reject(err))]);
  paymentMode = config.payments;
  replace(root, h('div', { class: 'actions' }, ui.title, ui.pill, ui.live), ui.notices, ui.progress, ui.payment, h('div', { class: 'layout-2' }, h('div', {}, ui.parcels, ui.items), h('div', {}, ui.history, ui.actions)));
  root.setAttribute('aria-busy', 'false');
  render();
  window.DyOrderStream.open({
    url: `/api/orders/${encodeURIComponent(orderId)}/stream`,
    headers: { 'X-Tracking-Token': token },
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
