import { z } from 'zod';
import { testPaymentRequestSchema } from '../dev/testPaymentRoutes';
import { errorSchema, registry } from '../schemas';
import { trackingLookupSchema } from '../storefront/storefrontRoutes';
import { loginRequestSchema } from './staffStore';

// The paths of the web issue: staff sign-in, the storefront's configuration, the order finder, dev payments.
const json = <T extends z.ZodType>(schema: T) => ({ content: { 'application/json': { schema } } });
const err = (description: string) => ({ description, ...json(errorSchema) });

registry.registerComponent('securitySchemes', 'staffSession', { type: 'apiKey', in: 'cookie', name: 'dy_staff', description: '`__Host-dy_staff` in production. Every change also needs the session\'s CSRF token in `X-CSRF-Token` (or a `_csrf` body field).' });

registry.registerPath({ method: 'post', path: '/api/staff/login', summary: 'Staff sign-in: sets the session cookie (httpOnly, SameSite=Strict) and answers the CSRF token. Limited per address (RATE_LIMIT_LOGIN) and per account (RATE_LIMIT_LOGIN_ACCOUNT failures)', request: { body: json(loginRequestSchema) }, responses: { 200: { description: '{ staff: { email, name, role }, csrfToken, expiresAt }' }, 400: err('a field is invalid (each named)'), 401: err('e-mail and password do not match an active account (one answer for every case)'), 429: err('too many attempts from this address or for this account'), 503: err('Redis unreachable: no sessions') } });
registry.registerPath({ method: 'get', path: '/api/staff/session', security: [{ staffSession: [] }], summary: 'Who is signed in, and the CSRF token for changes', responses: { 200: { description: '{ staff, csrfToken, expiresAt }' }, 401: err('no live session') } });
registry.registerPath({ method: 'post', path: '/api/staff/logout', security: [{ staffSession: [] }], summary: 'Ends the session on the server and clears the cookie', responses: { 204: { description: 'signed out' }, 403: err('CSRF token missing or wrong') } });
registry.registerPath({ method: 'get', path: '/api/storefront/config', summary: 'How the pages take payment here: `stripe` (with the publishable key), `test` (the dev test-payment panel) or `none`', responses: { 200: { description: '{ currency, payments: { mode, publishableKey? } }' } } });
registry.registerPath({ method: 'post', path: '/api/tracking/lookup', summary: "The order finder: order number and the customer's e-mail → a one-time link (15 minutes, single use) mailed to the address on the order; no token in the answer. A match and every wrong pair get the same 202 and body after the same time; limited per address (RATE_LIMIT_ORDER_FIND)", request: { body: json(trackingLookupSchema) }, responses: { 202: { description: '{ message }, the same for every pair' }, 400: err('a field is invalid (each named)'), 429: err('too many searches from this address') } });
registry.registerPath({ method: 'post', path: '/api/dev/test-payments', summary: 'Development only (DEV_TEST_PAYMENTS; absent in production): signs the Stripe event for this order\'s PaymentIntent with the webhook secret and posts it to our own webhook', request: { headers: z.object({ 'X-Tracking-Token': z.string() }), body: json(testPaymentRequestSchema) }, responses: { 202: { description: '{ orderId, outcome, eventId, type, webhook }' }, 400: err('a field is invalid (each named)'), 404: err('no such order, or wrong token'), 502: err('our webhook refused the event') } });
