// Shipping dashboard: parcels (search), carrier analytics (Chart.js, each chart with its table) and issues.
import { ApiError, carrierName, h, money, replace, showFieldErrors, when } from '../lib/api.js';
import { adminApi, requireSession } from './common.js';

const CARRIERS = ['royal-mail', 'dpd', 'fedex', 'ups', 'dhl', 'sandbox'];
const STATUSES = ['PENDING', 'LABEL_PURCHASED', 'CONFIRMED', 'CARRIER_PICKED_UP', 'IN_TRANSIT', 'OUT_FOR_DELIVERY', 'ATTEMPTED_DELIVERY', 'DELAYED', 'READY_FOR_PICKUP', 'DELIVERED', 'FAILURE', 'RETURNED_TO_SENDER', 'REJECTED', 'CANCELLED', 'REPLACED', 'REFUNDED'];
const ZONES = { UK: 'UK', EU: 'EU', ROW: 'Rest of world' };
const PAGE = 25;

// Staff read the carriers' own codes: "IN_TRANSIT" → "In transit", not the customer's wording.
const words = (code) => {
  const s = String(code || '').replace(/_/g, ' ').toLowerCase();
  return s.charAt(0).toUpperCase() + s.slice(1);
};
const percent = (perMille) => (perMille === null || perMille === undefined ? '—' : `${Math.floor(perMille / 10)}.${perMille % 10}%`);
const hoursText = (v) => (v === null || v === undefined ? '—' : `${v} h`);
const zoneName = (z) => ZONES[z] || z || 'Unknown';
let session;

function table(caption, headings, rows, { hideCaption = false } = {}) {
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      {},
      h('caption', { class: hideCaption ? 'visually-hidden' : 'table-caption' }, caption),
      h('thead', {}, h('tr', {}, headings.map((t) => h('th', { scope: 'col', class: /^(Parcels|Delivered|On time|Rate|Median|90th|Cost|Total|Booked|Quiet)/.test(t) ? 'num' : undefined }, t)))),
      h('tbody', {}, rows),
    ),
  );
}

function showError(notice, form, err) {
  const left = err instanceof ApiError && form ? showFieldErrors(form, err.fields) : [];
  if (err instanceof ApiError && err.fields.length && left.length === 0) replace(notice, h('p', { class: 'notice bad' }, 'Please correct the fields marked.'));
  else replace(notice, h('p', { class: 'notice bad' }, err.message));
}

// ——— tabs (WAI-ARIA tabs with automatic activation: arrows, Home and End move and select) ———
const tabs = [...document.querySelectorAll('[role="tab"]')];
const loaders = {};
const loaded = new Set();

function select(tab, { focus = false } = {}) {
  for (const t of tabs) {
    const on = t === tab;
    t.setAttribute('aria-selected', String(on));
    t.tabIndex = on ? 0 : -1;
    document.getElementById(t.getAttribute('aria-controls')).hidden = !on;
  }
  if (focus) tab.focus();
  const name = tab.dataset.tab;
  const url = new URL(location.href);
  url.searchParams.set('tab', name);
  history.replaceState(null, '', url);
  if (!loaded.has(name)) {
    loaded.add(name);
    loaders[name]?.();
  }
}

for (const tab of tabs) tab.addEventListener('click', () => select(tab));
document.querySelector('[role="tablist"]').addEventListener('keydown', (e) => {
  const i = tabs.indexOf(document.activeElement);
  if (i < 0) return;
  const to = { ArrowRight: (i + 1) % tabs.length, ArrowLeft: (i - 1 + tabs.length) % tabs.length, Home: 0, End: tabs.length - 1 }[e.key];
  if (to === undefined) return;
  e.preventDefault();
  select(tabs[to], { focus: true });
});

// ——— shipments ———
const sForm = document.getElementById('shipment-filters');
const sList = document.getElementById('shipments');
const sNotice = document.getElementById('shipments-notice');
const sPrev = document.getElementById('shipments-prev');
const sNext = document.getElementById('shipments-next');
const sInfo = document.getElementById('shipments-page');
let offset = 0;

for (const c of CARRIERS) sForm.elements.carrier.append(h('option', { value: c }, carrierName(c)));
for (const s of STATUSES) sForm.elements.status.append(h('option', { value: s }, words(s)));

function labelLink(p) {
  // Outbound labels are the warehouse's (the API refuses support); return labels support issues too.
  if (!p.labelUrl || (p.kind === 'outbound' && session.staff.role === 'support')) return null;
  return h('a', { href: p.labelUrl, download: '' }, 'Label PDF', h('span', { class: 'visually-hidden' }, ` for ${p.orderId} parcel ${p.shipmentNo}`));
}

function parcelRow(p, extra = []) {
  return h(
    'tr',
    { dataset: { orderId: p.orderId, shipmentNo: String(p.shipmentNo), kind: p.kind } },
    h('td', {}, h('a', { href: p.orderUrl }, p.orderId), h('div', { class: 'muted' }, `${p.kind === 'return' ? 'Return' : 'Parcel'} ${p.shipmentNo}`)),
    h('td', {}, p.carrier ? carrierName(p.carrier) : '—', p.service ? h('div', { class: 'muted' }, p.service) : null),
    h('td', { class: 'mono' }, p.trackingNumber || '—'),
    h('td', {}, h('span', { class: `status-pill${p.status === 'DELIVERED' ? ' ok' : p.exceptionReason ? ' bad' : ''}` }, words(p.status)), p.exceptionReason ? h('div', { class: 'error' }, words(p.exceptionReason)) : null),
    h('td', {}, p.email, h('div', { class: 'muted' }, zoneName(p.zone))),
    h('td', {}, p.promisedDeliveryDate || '—', p.deliveredAt ? h('div', { class: 'muted' }, `Delivered ${when(p.deliveredAt)}`) : null),
    ...extra,
    h('td', {}, labelLink(p)),
  );
}
const PARCEL_HEADINGS = ['Order', 'Carrier', 'Tracking number', 'Status', 'Customer', 'Promised'];

function shipmentQuery() {
  const params = new URLSearchParams({ limit: String(PAGE), offset: String(offset) });
  for (const name of ['orderId', 'trackingNumber', 'carrier', 'status', 'kind', 'from', 'to']) {
    const v = sForm.elements[name].value.trim();
    if (v) params.set(name, v);
  }
  return params;
}

async function loadShipments() {
  replace(sNotice);
  showFieldErrors(sForm, []);
  sList.setAttribute('aria-busy', 'true');
  try {
    const data = await adminApi(`/api/admin/shipping/shipments?${shipmentQuery()}`);
    replace(
      sList,
      data.shipments.length === 0
        ? h('p', { class: 'muted' }, 'No parcels match.')
        : table('Parcels, newest first', [...PARCEL_HEADINGS, 'Label'], data.shipments.map((p) => parcelRow(p)), { hideCaption: true }),
    );
    sPrev.disabled = offset === 0;
    sNext.disabled = offset + data.shipments.length >= data.total;
    sInfo.textContent = data.total ? `${offset + 1}–${offset + data.shipments.length} of ${data.total}` : '';
  } catch (err) {
    showError(sNotice, sForm, err);
  }
  sList.setAttribute('aria-busy', 'false');
}

sForm.addEventListener('submit', (e) => {
  e.preventDefault();
  offset = 0;
  loadShipments();
});
sForm.addEventListener('reset', () => setTimeout(() => ((offset = 0), loadShipments())));
sPrev.addEventListener('click', () => ((offset = Math.max(0, offset - PAGE)), loadShipments()));
sNext.addEventListener('click', () => ((offset += PAGE), loadShipments()));
loaders.shipments = loadShipments;

// ——— analytics ———
const aForm = document.getElementById('analytics-range');
const aNotice = document.getElementById('analytics-notice');
const charts = {};
const INK = '#111111';
const GOLD = '#b8913e';
const GREY = '#8a8a8a';

let chartLibrary;
/** Chart.js is only fetched when the Analytics tab opens; it is served from our origin (the CSP allows nothing else). */
async function chartJs() {
  if (!chartLibrary) {
    chartLibrary = import('/vendor/chart.umd.js').then(() => {
      const Chart = globalThis.Chart;
      Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
      Chart.defaults.color = '#333';
      if (matchMedia('(prefers-reduced-motion: reduce)').matches) Chart.defaults.animation = false;
      return Chart;
    });
  }
  return chartLibrary;
}

async function draw(id, config) {
  const Chart = await chartJs();
  charts[id]?.destroy();
  const base = { responsive: true, maintainAspectRatio: false, plugins: { legend: { position: 'bottom' } } };
  charts[id] = new Chart(document.getElementById(id), { ...config, options: { ...base, ...config.options, plugins: { ...base.plugins, ...(config.options?.plugins || {}) } } });
}

function renderAnalytics(data) {
  document.getElementById('analytics-basis').textContent = `From ${data.from} to ${data.to}: ${data.basis}.`;
  const names = data.carriers.map((c) => carrierName(c.carrier));

  replace(
    document.getElementById('table-ontime'),
    data.carriers.length === 0
      ? h('p', { class: 'muted' }, 'No parcels booked in this range.')
      : table('On-time rate by carrier', ['Carrier', 'Booked', 'Delivered', 'On time', 'Rate'], data.carriers.map((c) => h('tr', { dataset: { carrier: c.carrier } }, h('th', { scope: 'row' }, carrierName(c.carrier)), h('td', { class: 'num' }, c.booked), h('td', { class: 'num' }, c.delivered), h('td', { class: 'num' }, `${c.onTime} of ${c.withPromise}`), h('td', { class: 'num' }, percent(c.onTimePerMille))))),
  );
  draw('chart-ontime', {
    type: 'bar',
    data: { labels: names, datasets: [{ label: 'On time', data: data.carriers.map((c) => c.onTimePerMille ?? 0), backgroundColor: INK }] },
    options: { scales: { y: { min: 0, max: 1000, ticks: { callback: (v) => percent(v) } } }, plugins: { legend: { display: false }, tooltip: { callbacks: { label: (item) => percent(item.raw) } } } },
  });

  replace(
    document.getElementById('table-times'),
    data.carriers.length === 0
      ? h('p', { class: 'muted' }, 'No parcels booked in this range.')
      : table('Delivery hours by carrier', ['Carrier', 'Delivered', 'Median', '90th percentile'], data.carriers.map((c) => h('tr', { dataset: { carrier: c.carrier } }, h('th', { scope: 'row' }, carrierName(c.carrier)), h('td', { class: 'num' }, c.delivered), h('td', { class: 'num' }, hoursText(c.medianHours)), h('td', { class: 'num' }, hoursText(c.p90Hours))))),
  );
  draw('chart-times', {
    type: 'bar',
    data: {
      labels: names,
      datasets: [
        { label: 'Median', data: data.carriers.map((c) => c.medianHours ?? 0), backgroundColor: INK },
        { label: '90th percentile', data: data.carriers.map((c) => c.p90Hours ?? 0), backgroundColor: GOLD },
      ],
    },
    options: { scales: { y: { min: 0, title: { display: true, text: 'hours' } } } },
  });

  const carriers = [...new Set(data.costs.map((c) => c.carrier))];
  const zones = [...new Set(data.costs.map((c) => c.zone))];
  replace(
    document.getElementById('table-cost'),
    data.costs.length === 0
      ? h('p', { class: 'muted' }, 'No parcels booked in this range.')
      : table('Cost per parcel by carrier and zone', ['Carrier', 'Zone', 'Parcels', 'Total cost', 'Cost per parcel'], data.costs.map((c) => h('tr', { dataset: { carrier: c.carrier, zone: c.zone || '' } }, h('th', { scope: 'row' }, carrierName(c.carrier)), h('td', {}, zoneName(c.zone)), h('td', { class: 'num' }, c.parcels), h('td', { class: 'num' }, money(c.totalCostPence)), h('td', { class: 'num' }, money(c.costPerParcelPence))))),
  );
  const colours = [INK, GOLD, GREY, '#4b4b4b'];
  draw('chart-cost', {
    type: 'bar',
    data: {
      labels: carriers.map(carrierName),
      datasets: zones.map((z, i) => ({ label: zoneName(z), backgroundColor: colours[i % colours.length], data: carriers.map((c) => data.costs.find((x) => x.carrier === c && x.zone === z)?.costPerParcelPence ?? null) })),
    },
    options: { scales: { y: { min: 0, ticks: { callback: (v) => money(v) } } }, plugins: { tooltip: { callbacks: { label: (item) => `${item.dataset.label}: ${money(item.raw)}` } } } },
  });
}

async function loadAnalytics() {
  replace(aNotice);
  showFieldErrors(aForm, []);
  const params = new URLSearchParams();
  for (const name of ['from', 'to']) if (aForm.elements[name].value) params.set(name, aForm.elements[name].value);
  try {
    const data = await adminApi(`/api/admin/shipping/analytics?${params}`);
    aForm.elements.from.value = data.from;
    aForm.elements.to.value = data.to;
    renderAnalytics(data);
  } catch (err) {
    showError(aNotice, aForm, err);
  }
}
aForm.addEventListener('submit', (e) => {
  e.preventDefault();
  loadAnalytics();
});
document.getElementById('a-last30').addEventListener('click', () => {
  aForm.elements.from.value = '';
  aForm.elements.to.value = '';
  loadAnalytics();
});
loaders.analytics = loadAnalytics;

// ——— issues ———
const iForm = document.getElementById('issues-form');
const iNotice = document.getElementById('issues-notice');
const issueCount = document.getElementById('issues-count');
const duration = (seconds) => (seconds >= 3600 ? `${Math.round(seconds / 360) / 10} hours` : seconds >= 60 ? `${Math.round(seconds / 60)} minutes` : `${seconds} seconds`);

async function loadIssues() {
  replace(iNotice);
  showFieldErrors(iForm, []);
  const params = new URLSearchParams();
  if (iForm.elements.staleHours.value) params.set('staleHours', iForm.elements.staleHours.value);
  try {
    const data = await adminApi(`/api/admin/shipping/issues?${params}`);
    const count = data.exceptions.length + data.attention.length + data.stale.length;
    issueCount.hidden = count === 0;
    issueCount.textContent = String(count);
    replace(
      document.getElementById('issues-exceptions'),
      data.exceptions.length === 0 ? h('p', { class: 'muted' }, 'No parcel is in exception.') : table('Parcels in exception, latest first', [...PARCEL_HEADINGS, 'Detail', 'Label'], data.exceptions.map((p) => parcelRow(p, [h('td', {}, p.exceptionDetail || '')]))),
    );
    replace(
      document.getElementById('issues-attention'),
      data.attention.length === 0
        ? h('p', { class: 'muted' }, 'No order is waiting on a parcel decision.')
        : table('Orders in NEEDS_ATTENTION for a parcel, longest waiting first', ['Order', 'Reason', 'Customer', 'Since', 'Parcels flagged'], data.attention.map((o) => h('tr', { dataset: { orderId: o.orderId } }, h('td', {}, h('a', { href: o.orderUrl }, o.orderId)), h('td', {}, h('span', { class: 'status-pill bad' }, words(o.attentionReason))), h('td', {}, o.email), h('td', {}, when(o.updatedAt)), h('td', { class: 'num' }, o.parcelsInException)))),
    );
    document.getElementById('stale-threshold').textContent = `No tracking news for more than ${duration(data.staleAfterSeconds)}, not delivered.`;
    replace(
      document.getElementById('issues-stale'),
      data.stale.length === 0 ? h('p', { class: 'muted' }, 'Every parcel on its way has recent news.') : table('Parcels without recent tracking news, quietest first', [...PARCEL_HEADINGS, 'Quiet for', 'Label'], data.stale.map((p) => parcelRow(p, [h('td', { class: 'num' }, `${p.silentHours} h`)]))),
    );
  } catch (err) {
    showError(iNotice, iForm, err);
  }
}
iForm.addEventListener('submit', (e) => {
  e.preventDefault();
  loadIssues();
});
loaders.issues = loadIssues;

requireSession().then((s) => {
  session = s;
  const wanted = tabs.find((t) => t.dataset.tab === new URLSearchParams(location.search).get('tab')) || tabs[0];
  select(wanted);
  // The Issues tab shows its count from the start: a problem should be seen without opening it.
  if (wanted.dataset.tab !== 'issues') {
    loaded.add('issues');
    loadIssues();
  }
});
