// The order finder: order number and e-mail in, a one-time link to the order out, by e-mail. The answer is the
// same whether or not the pair matches, so this page cannot tell anyone whose order is whose.
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
    showFieldErrors(form, []);
    const answer = await api('/api/tracking/lookup', { method: 'POST', body: { orderId: form.elements.orderId.value.trim(), email: form.elements.email.value.trim() } });
    replace(notice, h('p', { class: 'notice ok', id: 'track-sent', role: 'status' }, answer.message, ' Check your inbox (and spam folder).'));
  } catch (err) {
    if (err instanceof ApiError && err.code === 'VALIDATION_FAILED') showFieldErrors(form, err.fields);
    else replace(notice, h('p', { class: 'notice bad' }, err.message));
  }
  button.disabled = false;
});
