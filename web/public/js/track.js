// The order finder: order number and e-mail in, the order's page out.
import './lib/layout.js';
import { api, ApiError, h, replace, showFieldErrors } from './lib/api.js';

const form = document.getElementById('track-form');
const notice = document.getElementById('track-notice');

form.addEventListener('submit', async (e) => {
  e.preventDefault();
  replace(notice);
  const button = form.querySelector('button');
  button.disabled = true;
  try {
    const found = await api('/api/tracking/lookup', { method: 'POST', body: { orderId: form.elements.orderId.value.trim(), email: form.elements.email.value.trim() } });
    location.assign(found.url);
    return;
  } catch (err) {
    if (err instanceof ApiError && err.code === 'VALIDATION_FAILED') showFieldErrors(form, err.fields);
    else if (err instanceof ApiError && err.status === 404) replace(notice, h('p', { class: 'notice bad' }, 'We could not find an order with that number and e-mail. Check both and try again.'));
    else replace(notice, h('p', { class: 'notice bad' }, err.message));
  }
  button.disabled = false;
});
