import client from 'prom-client';

/**
 * The store's Prometheus metrics, one registry per process. The API and each worker expose it at /metrics;
 * names are prefixed `dy_` so they sit beside the Temporal SDK's own `temporal_` metrics.
 */
export const registry = new client.Registry();
client.collectDefaultMetrics({ register: registry, prefix: 'dy_process_' });

export const httpDuration = new client.Histogram({
  name: 'dy_http_request_duration_seconds',
  help: 'HTTP request latency by route and status',
  labelNames: ['method', 'route', 'status'] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [registry],
});

export const checkouts = new client.Counter({
  name: 'dy_checkouts_total',
  help: 'Checkouts by outcome (created, out_of_stock, invalid, unavailable)',
  labelNames: ['outcome'] as const,
  registers: [registry],
});

export const webhookEvents = new client.Counter({
  name: 'dy_webhook_events_total',
  help: 'Stripe webhook deliveries by event type and outcome',
  labelNames: ['type', 'outcome'] as const,
  registers: [registry],
});

export const statusChanges = new client.Counter({
  name: 'dy_order_status_changes_total',
  help: 'Order status changes recorded, by new status',
  labelNames: ['to'] as const,
  registers: [registry],
});

export const timeInStatus = new client.Histogram({
  name: 'dy_order_time_in_status_seconds',
  help: 'How long orders stayed in a status before leaving it',
  labelNames: ['status'] as const,
  buckets: [1, 5, 30, 60, 300, 900, 1800, 3600, 4 * 3600, 86400, 3 * 86400, 7 * 86400],
  registers: [registry],
});

export const notificationDeliveries = new client.Counter({
  name: 'dy_notification_deliveries_total',
  help: 'Notification sends by channel, template and outcome',
  labelNames: ['channel', 'template', 'outcome'] as const,
  registers: [registry],
});

export const carrierCalls = new client.Counter({
  name: 'dy_carrier_calls_total',
  help: 'Calls to carriers by carrier, operation and outcome (ok, rejected, unavailable, error)',
  labelNames: ['carrier', 'operation', 'outcome'] as const,
  registers: [registry],
});
