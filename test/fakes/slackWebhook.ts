import { randomBytes } from 'node:crypto';
import { FaultPlan, listenLocally, readBody } from './localServer';

/** A local Slack incoming webhook: answers like Slack (200 `ok`, plain-text error words) and keeps what it got. */

export interface FakeSlackWebhook {
  /** The full webhook URL, secret path included, as SLACK_WEBHOOK_URL would be. */
  url: string;
  /** Parsed JSON bodies of accepted posts. */
  posts: Array<Record<string, unknown>>;
  requests: Array<{ path: string; status: number; body: string }>;
  /** The next n posts get `status`: 429 (rate_limited, with Retry-After), 500, 404 (no_service), 410, 400... */
  failNext(n: number, status?: number, retryAfterSeconds?: number): void;
  close(): Promise<void>;
}

const ERROR_WORDS: Record<number, string> = {
  400: 'invalid_payload',
  403: 'action_prohibited',
  404: 'no_service',
  410: 'channel_is_archived',
  429: 'rate_limited',
  500: 'internal_error',
};

export async function startFakeSlackWebhook(): Promise<FakeSlackWebhook> {
  const secretPath = `/services/TDYORDERS/BDYORDERS/${randomBytes(12).toString('hex')}`;
  const posts: Array<Record<string, unknown>> = [];
  const requests: FakeSlackWebhook['requests'] = [];
  const faults = new FaultPlan(500);

  const server = await listenLocally(async (req, res) => {
    const body = await readBody(req);
    const path = (req.url ?? '/').split('?')[0];
    const answer = (status: number, text: string, headers: Record<string, string> = {}) => {
      requests.push({ path, status, body });
      res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...headers });
      res.end(text);
    };
    if (req.method !== 'POST' || path !== secretPath) return answer(404, 'no_service');
    const fault = faults.take();
    if (fault) return answer(fault.status, ERROR_WORDS[fault.status] ?? 'error', fault.headers);
    let payload: unknown;
    try {
      payload = JSON.parse(body);
    } catch {
      return answer(400, 'invalid_payload');
    }
    if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) return answer(400, 'invalid_payload');
    const record = payload as Record<string, unknown>;
    if (typeof record.text !== 'string' && !Array.isArray(record.blocks)) return answer(400, 'no_text');
    posts.push(record);
    return answer(200, 'ok');
  });

  return {
    url: `${server.url}${secretPath}`,
    posts,
    requests,
    failNext: (n, status, retryAfterSeconds) => faults.failNext(n, status, retryAfterSeconds),
    close: server.close,
  };
}
