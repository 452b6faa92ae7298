// The store's header badge: how many items are in the bag, kept current as it changes.
import { count } from './cart.js';

function renderCount() {
  const badge = document.querySelector('[data-cart-count]');
  if (!badge) return;
  const n = count();
  badge.textContent = String(n);
  badge.closest('a')?.setAttribute('aria-label', `Bag, ${n} ${n === 1 ? 'item' : 'items'}`);
}

renderCount();
window.addEventListener('cart-changed', renderCount);
