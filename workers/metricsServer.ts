import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { registry } from '../lib/metrics';

/**
 * The worker's /metrics: our own counters (activities run here) followed by the Temporal SDK's metrics,
 * which the SDK's Prometheus exporter serves on a loopback port of its own.
 */
export async function startWorkerMetrics(port: number, sdkMetricsUrl?: string, host = '127.0.0.1'): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer(async (req, res) => {
    if (req.url !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    let sdk = '';
    if (sdkMetricsUrl) {
      sdk = await fetch(sdkMetricsUrl, { signal: AbortSignal.timeout(2000) })
        .then((r) => r.text())
        .catch(() => '# Temporal SDK metrics unavailable\n');
    }
    res.writeHead(200, { 'Content-Type': registry.contentType }).end(`${await registry.metrics()}\n${sdk}`);
  });
  // Loopback by default (WORKER_METRICS_HOST): the server has no authentication, so it is internal unless an
  // operator deliberately opens it to a scraper's network.
  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
