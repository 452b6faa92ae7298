// Returns after delivery: the customer's returns with their label and refund, and the form that asks for one.
import { api, ApiError, carrierName, h, money, replace, showFieldErrors, statusText } from '../lib/api.js';
import { lineText, trackingHistory } from './parcels.js';
import { createProofField } from './proof.js';

const RETURN_STATUS = {
  REQUESTED: 'Requested: preparing your label',
  LABEL_ISSUED: 'Label ready: send the parcel back',
  IN_TRANSIT: 'On its way back to us',
  REFUNDED: 'Received and refunded',
  FAILED: 'Could not be completed',
};

const closing = new Intl.DateTimeFormat('en-GB', { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric', hour: '2-digit', minute: '2-digit', timeZone: 'Europe/London' });
/** "Thursday 26 November 2026 at 00:40" whatever punctuation the browser's locale data puts between the parts. */
function windowDate(iso) {
  const p = Object.fromEntries(closing.formatToParts(new Date(iso)).map((x) => [x.type, x.value]));
  return `${p.weekday} ${p.day} ${p.month} ${p.year} at ${p.hour}:${p.minute}`;
}

/** What can still come back, per line: delivered units of live parcels less those in returns that did not fail (as the workflow counts). */
export function returnable(order) {
  const left = new Map();
  for (const s of order?.shipments || []) {
    if (s.closedAs || s.status !== 'DELIVERED') continue;
    for (const l of s.lines || []) left.set(l.lineNo, (left.get(l.lineNo) || 0) + l.quantity);
  }
  for (const r of order?.returns || []) {
    if (r.status === 'FAILED') continue;
    for (const l of r.lines || []) left.set(l.lineNo, (left.get(l.lineNo) || 0) - l.quantity);
  }
  return (order?.lines || []).filter((l) => (left.get(l.lineNo) || 0) > 0).map((l) => ({ line: l, max: left.get(l.lineNo) }));
}

/**
 * The returns section. Built once and updated in place: the page re-renders on every live event, and a
 * half-filled form (a chosen quantity, a reason being typed) must survive that.
 */
export function createReturns({ orderId, onChange, openKeys, emailNeeded }) {
  const proof = createProofField({ id: 'return-email', emailNeeded });
  const section = h('section', { id: 'returns', 'aria-labelledby': 'returns-title', hidden: true });
  const title = h('h2', { id: 'returns-title' }, 'Returns');
  const windowNote = h('div', { id: 'return-window' });
  const list = h('div', { id: 'return-list' });
  const message = h('div', { id: 'return-form-message', role: 'status', 'aria-live': 'polite' });
  const linesBox = h('fieldset', { name: 'lines', class: 'field', id: 'return-lines' });
  const reason = h('textarea', { id: 'return-reason', name: 'reason', rows: 3, maxlength: 500, 'aria-describedby': 'return-reason-hint' });
  const submit = h('button', { type: 'submit', id: 'request-return' }, 'Request a return');
  const form = h(
    'form',
    { id: 'return-form', class: 'panel', novalidate: true, 'aria-labelledby': 'return-form-title' },
    h('h3', { id: 'return-form-title' }, 'Send something back'),
    h('p', { class: 'muted' }, 'Choose what you are sending back and tell us why. The return label appears here once the carrier issues it, and we refund the items as paid when they reach us.'),
    linesBox,
    h('div', { class: 'field' }, h('label', { for: 'return-reason' }, 'Why are you returning them?'), reason, h('p', { class: 'hint', id: 'return-reason-hint' }, 'A few words, e.g. "too small" or "not the colour I expected".')),
    proof.node,
    message,
    submit,
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    send().catch(() => {});
  });
  section.append(title, windowNote, list, form);

  let order;
  let records = [];
  let linesKey;
  let windowTimer;
  let justRequested; // the return this form just asked for: its note goes once the label is out

  function chosen() {
    return [...linesBox.querySelectorAll('select')].map((s) => ({ lineNo: Number(s.dataset.lineNo), quantity: Number(s.value) })).filter((l) => l.quantity > 0);
  }

  /** showFieldErrors sets or drops aria-describedby wholesale: the hint stays described either way. */
  function describeReason() {
    reason.setAttribute('aria-describedby', reason.getAttribute('aria-invalid') ? 'return-reason-hint return-reason-error' : 'return-reason-hint');
  }

  async function send() {
    const lines = chosen();
    replace(message);
    showFieldErrors(form, []);
    describeReason();
    submit.disabled = true;
    try {
      // The API is the judge of every rule (a reason, at least one line, how many are left): its words are shown.
      const body = { lines, reason: reason.value, ...(proof.needed() ? { email: proof.value() } : {}) };
      const answer = await api(`/api/orders/${encodeURIComponent(orderId)}/returns`, { method: 'POST', body });
      reason.value = '';
      for (const s of linesBox.querySelectorAll('select')) s.value = '0';
      justRequested = answer.return.returnNo;
      replace(message, h('p', { class: 'notice ok', id: 'return-requested' }, `Return ${answer.return.returnNo} requested: it is listed above, and its label appears there in a moment.`));
      onChange();
    } catch (err) {
      if (err instanceof ApiError && err.code === 'VALIDATION_FAILED') {
        const left = showFieldErrors(form, err.fields, (field) => {
          const m = /^lines\.(\d+)\./.exec(field);
          if (m && lines[Number(m[1])]) return `quantity-${lines[Number(m[1])].lineNo}`;
          return field.startsWith('lines') ? 'lines' : field;
        });
        if (left.length) replace(message, h('p', { class: 'notice bad' }, left.map((f) => `${f.field}: ${f.message}`).join('; ')));
        describeReason();
        form.querySelector('[aria-invalid="true"]')?.focus();
      } else if (err instanceof ApiError && err.code === 'PROOF_REQUIRED') {
        proof.show(err.fields[0]?.message);
        replace(message, h('p', { class: 'notice bad', role: 'alert' }, 'Type the e-mail address you ordered with, then request the return again.'));
      } else if (err instanceof ApiError && err.status === 409) {
        // "line 2: only 1 can still be returned" belongs next to that line's choice.
        const m = /^line (\d+)\b/.exec(err.message);
        const left = m ? showFieldErrors(form, [{ field: `quantity-${m[1]}`, message: err.message }]) : [{ message: err.message }];
        if (left.length) replace(message, h('p', { class: 'notice bad', role: 'alert' }, `This return cannot be made: ${err.message}.`));
        if (err.code === 'RETURN_WINDOW_CLOSED') onChange();
      } else {
        replace(message, h('p', { class: 'notice bad', role: 'alert' }, `The return could not be requested: ${err.message}`));
      }
    } finally {
      submit.disabled = false;
    }
  }

  function renderLines(items) {
    const key = JSON.stringify(items.map((i) => [i.line.lineNo, i.max]));
    if (key === linesKey) return;
    linesKey = key;
    const before = new Map([...linesBox.querySelectorAll('select')].map((s) => [s.name, s.value]));
    replace(
      linesBox,
      h('legend', {}, 'Items to return'),
      items.map(({ line, max }) => {
        const id = `return-qty-${line.lineNo}`;
        const select = h(
          'select',
          { id, name: `quantity-${line.lineNo}`, dataset: { lineNo: String(line.lineNo) } },
          h('option', { value: '0' }, 'Keep'),
          Array.from({ length: max }, (_, i) => h('option', { value: String(i + 1) }, `Return ${i + 1}`)),
        );
        const kept = Number(before.get(select.name));
        if (kept > 0 && kept <= max) select.value = String(kept);
        return h('div', { class: 'field return-line' }, h('label', { for: id }, `${line.productName}, size ${line.size}`, h('span', { class: 'muted' }, ` — ${max} can come back, ${money(line.unitPricePence)} each`)), select);
      }),
    );
  }

  function returnParcel(r) {
    return records.find((s) => s.kind === 'return' && s.shipmentNo === r.returnNo);
  }

  function renderReturn(r) {
    const parcel = returnParcel(r);
    const trackingNumber = r.trackingNumber || parcel?.trackingNumber;
    const carrier = r.carrier || parcel?.carrier;
    const owed = (r.lines || []).reduce((sum, l) => sum + (l.refundPence || 0), 0);
    const key = `return-${r.returnNo}`;
    const labelReady = trackingNumber && r.status !== 'FAILED';
    return h(
      'article',
      { class: 'panel return', 'aria-labelledby': `${key}-title`, dataset: { returnNo: String(r.returnNo), status: r.status } },
      h('h3', { id: `${key}-title` }, `Return ${r.returnNo}`, ' ', h('span', { class: `status-pill${r.status === 'REFUNDED' ? ' ok' : r.status === 'FAILED' ? ' bad' : ''}`, 'data-return-status': r.status }, RETURN_STATUS[r.status] || statusText(r.status))),
      h('p', {}, h('strong', {}, 'Items: '), (r.lines || []).map((l) => lineText(order, l)).join(', '), h('br'), h('strong', {}, 'Reason: '), r.reason),
      r.status === 'REFUNDED'
        ? h('p', { class: 'return-refund' }, h('strong', {}, 'Refunded: '), money(r.refundPence ?? owed), ' to your card')
        : r.status === 'FAILED'
        ? h('p', { class: 'notice warn' }, 'This return could not be completed. Our team has been told and will be in touch.')
        : h('p', { class: 'return-refund' }, h('strong', {}, 'Refund when it reaches us: '), money(owed)),
      labelReady
        ? h(
            'p',
            {},
            h('strong', {}, 'Carrier: '),
            carrierName(carrier),
            h('br'),
            h('strong', {}, 'Tracking number: '),
            trackingNumber,
            parcel ? [h('br'), h('strong', {}, 'Parcel: '), statusText(parcel.status)] : null,
          )
        : null,
      // Kept after the refund too (as a plain link): the label is the customer's record of what they sent.
      labelReady
        ? h(
            'p',
            {},
            h(
              'a',
              { class: r.status === 'REFUNDED' ? 'return-label' : 'button secondary return-label', href: `/api/orders/${encodeURIComponent(orderId)}/returns/${r.returnNo}/label.pdf`, download: `return-${orderId}-${r.returnNo}.pdf` },
              r.status === 'REFUNDED' ? 'Return label (PDF)' : 'Download the return label (PDF)',
            ),
          )
        : null,
      parcel ? trackingHistory(parcel.events, key, openKeys) : null,
    );
  }

  function update(nextOrder, nextRecords) {
    proof.update();
    order = nextOrder;
    records = nextRecords || [];
    const returns = order?.returns || [];
    const endsAt = order?.returnWindowEndsAt ? Date.parse(order.returnWindowEndsAt) : undefined;
    section.hidden = endsAt === undefined && returns.length === 0;
    if (section.hidden) return;

    const open = endsAt !== undefined && Date.now() < endsAt;
    const items = open ? returnable(order) : [];
    if (endsAt === undefined) replace(windowNote);
    else if (!open) replace(windowNote, h('p', { class: 'notice', id: 'return-window-closed' }, `The return window closed on ${windowDate(order.returnWindowEndsAt)}.`));
    else if (items.length === 0) replace(windowNote, h('p', {}, 'Everything delivered is already on its way back or returned.'));
    else replace(windowNote, h('p', {}, `You can return delivered items until ${windowDate(order.returnWindowEndsAt)}.`));

    clearTimeout(windowTimer);
    // Close the form when the window does, without waiting for an event (timers cap at about 24 days).
    if (open && endsAt - Date.now() < 2 ** 31 - 1) windowTimer = setTimeout(() => update(order, records), endsAt - Date.now() + 500);

    replace(list, [...returns].reverse().map(renderReturn));
    if (justRequested && returns.some((r) => r.returnNo === justRequested && r.status !== 'REQUESTED')) {
      justRequested = undefined;
      replace(message);
    }
    form.hidden = items.length === 0;
    if (items.length) renderLines(items);
    else linesKey = undefined;
  }

  return { node: section, update };
}
