// The order's parcels: each with its carrier, tracking number, status, estimate, contents and tracking history.
import { carrierName, day, h, replace, statusText, when } from '../lib/api.js';

/** The last few events stay in view; the rest folds away (a parcel followed for weeks keeps ~120). */
const RECENT = 3;

const CLOSED_TEXT = {
  REPLACED: 'Replaced: a new parcel was sent in its place.',
  REFUNDED: 'Refunded: these items will not be delivered, and their price is on its way back to your card.',
  CANCELLED: 'Cancelled: this parcel will not be sent.',
};

const EXCEPTION_TEXT = {
  DELIVERY_EXCEPTION: 'The carrier reported a problem delivering this parcel.',
  RETURNED_TO_SENDER: 'The carrier is returning this parcel to us.',
  STALE: 'The carrier has not updated this parcel for a while.',
  CARRIER_REJECTED: 'The carrier could not accept this parcel.',
};

export const lineText = (order, l) => {
  const line = (order?.lines || []).find((x) => x.lineNo === l.lineNo);
  return `${l.quantity} × ${line ? `${line.productName} (size ${line.size})` : l.sku || `line ${l.lineNo}`}`;
};

function eventItem(e) {
  return h('li', {}, h('time', { datetime: e.occurredAt || '' }, when(e.occurredAt)), statusText(e.status), e.description ? ` — ${e.description}` : '', e.location ? ` (${e.location})` : '');
}

/**
 * A tracking history, newest first: the latest events, then the whole list behind a disclosure whose
 * open state survives re-renders (`openKeys`), since the page re-renders on every live event.
 */
export function trackingHistory(events, key, openKeys) {
  const list = [...(events || [])].reverse();
  if (list.length === 0) return null;
  const recent = h('ol', { class: 'timeline', 'aria-label': 'Latest tracking events' }, list.slice(0, RECENT).map(eventItem));
  if (list.length <= RECENT) return recent;
  const details = h(
    'details',
    { class: 'history-more', open: openKeys.has(key), dataset: { key } },
    h('summary', {}, `Full tracking history (${list.length} events)`),
    h('ol', { class: 'timeline', 'aria-label': 'Full tracking history' }, list.map(eventItem)),
  );
  details.addEventListener('toggle', () => (details.open ? openKeys.add(key) : openKeys.delete(key)));
  return [recent, details];
}

/** The order's view of each parcel (fresh from the workflow), with the full history from the shipments endpoint. */
export function mergeParcels(order, records) {
  const outbound = (records || []).filter((r) => r.kind === 'outbound');
  return (order?.shipments || []).map((s) => {
    const full = outbound.find((r) => (s.shipmentNo !== undefined ? r.shipmentNo === s.shipmentNo : r.trackingNumber === s.trackingNumber));
    const events = full && full.events.length >= (s.events || []).length ? full.events : s.events || [];
    return { ...s, events, deliveredAt: full?.deliveredAt || null, lines: s.lines || full?.lines || [] };
  });
}

export function renderParcels(container, { order, records, openKeys }) {
  const parcels = mergeParcels(order, records);
  if (parcels.length === 0) {
    replace(container);
    return;
  }
  const live = parcels.filter((p) => !p.closedAs);
  const delivered = live.filter((p) => p.status === 'DELIVERED').length;
  replace(
    container,
    h('h2', { id: 'parcels-title' }, parcels.length > 1 ? 'Parcels' : 'Parcel'),
    live.length > 1 ? h('p', { class: 'muted', id: 'parcels-summary' }, `Your order comes in ${live.length} parcels: ${delivered} delivered, ${live.length - delivered} on the way.`) : null,
    parcels.map((s, i) => {
      const key = `parcel-${s.shipmentNo ?? i + 1}`;
      const problem = s.exception && !s.closedAs ? EXCEPTION_TEXT[s.exception.reason] || 'There is a problem with this parcel.' : null;
      return h(
        'article',
        { class: `panel parcel${s.closedAs ? ' closed' : ''}`, 'aria-labelledby': `${key}-title`, dataset: { trackingNumber: s.trackingNumber || '', shipmentNo: String(s.shipmentNo ?? i + 1), status: s.closedAs || s.status } },
        h('h3', { id: `${key}-title` }, parcels.length > 1 ? `Parcel ${i + 1} of ${parcels.length}` : 'Your parcel'),
        h(
          'p',
          {},
          h('strong', {}, 'Carrier: '),
          s.carrier ? carrierName(s.carrier) : 'to be confirmed',
          s.service ? h('span', { class: 'muted' }, ` (${s.service.replace(/_/g, ' ')})`) : null,
          h('br'),
          h('strong', {}, 'Tracking number: '),
          s.trackingNumber || 'given once the carrier has the parcel',
          h('br'),
          h('strong', {}, 'Status: '),
          h('span', { class: 'parcel-status' }, s.closedAs ? statusText(s.closedAs) : statusText(s.status)),
          s.status === 'DELIVERED' && s.deliveredAt
            ? [h('br'), h('strong', {}, 'Delivered: '), day(s.deliveredAt)]
            : s.estimatedDelivery && !s.closedAs && s.status !== 'DELIVERED'
            ? [h('br'), h('strong', {}, 'Estimated delivery: '), h('span', { class: 'parcel-eta' }, day(s.estimatedDelivery))]
            : null,
        ),
        s.lines.length ? h('p', { class: 'parcel-lines' }, h('strong', {}, 'In this parcel: '), s.lines.map((l) => lineText(order, l)).join(', ')) : null,
        problem ? h('p', { class: 'notice warn parcel-problem' }, problem, ' Our team has been told and will sort it out.') : null,
        s.closedAs ? h('p', { class: 'notice parcel-closed' }, CLOSED_TEXT[s.closedAs] || statusText(s.closedAs)) : null,
        trackingHistory(s.events, key, openKeys),
      );
    }),
  );
}
