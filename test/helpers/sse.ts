/** A Server-Sent Events client for tests: fetch streaming, a spec-following parser, and waits on conditions. */

export interface SseMessage {
  id?: string;
  event: string;
  data: string;
  json: any;
  receivedAt: number;
}

export interface SseStream {
  status: number;
  headers: Headers;
  /** The JSON body of a refused stream (status other than 200). */
  body?: any;
  /** Everything received, as text, in order: checks the wire format itself. */
  raw: string;
  messages: SseMessage[];
  comments: Array<{ text: string; receivedAt: number }>;
  retry?: number;
  ended: boolean;
  /** Resolves with the predicate's value as soon as it holds after some input; rejects at the deadline. */
  until<T>(what: string, predicate: (s: SseStream) => T | undefined | false, timeoutMs?: number): Promise<T>;
  close(): void;
}

export async function openSse(url: string, headers: Record<string, string> = {}): Promise<SseStream> {
  const controller = new AbortController();
  const res = await fetch(url, { headers: { Accept: 'text/event-stream', ...headers }, signal: controller.signal });
  const waiters = new Set<() => void>();
  const notify = () => {
    for (const w of [...waiters]) w();
  };
  const stream: SseStream = {
    status: res.status,
    headers: res.headers,
    raw: '',
    messages: [],
    comments: [],
    ended: false,
    until(what, predicate, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          let value;
          try {
            value = predicate(stream);
          } catch (err) {
            finish();
            reject(err);
            return;
          }
          if (value !== undefined && value !== false) {
            finish();
            resolve(value);
          } else if (stream.ended) {
            finish();
            reject(new Error(`stream ended before ${what} (${stream.messages.length} events received)`));
          }
        };
        const timer = setTimeout(() => {
          finish();
          reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what} (${stream.messages.length} events: ${stream.messages.map((m) => `${m.id}:${m.json?.type}/${m.json?.toStatus ?? ''}`).join(', ')})`));
        }, timeoutMs);
        const finish = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    close() {
      controller.abort();
    },
  };
  if (res.status !== 200 || !res.body) {
    const text = await res.text();
    try {
      stream.body = JSON.parse(text);
    } catch {
      stream.body = text;
    }
    stream.ended = true;
    return stream;
  }

  let buffer = '';
  let data: string[] = [];
  let event = '';
  let id: string | undefined;
  const line = (text: string) => {
    if (text === '') {
      if (data.length > 0) {
        const joined = data.join('\n');
        let json: any;
        try {
          json = JSON.parse(joined);
        } catch {
          json = undefined;
        }
        stream.messages.push({ id, event: event || 'message', data: joined, json, receivedAt: Date.now() });
      }
      data = [];
      event = '';
      id = undefined;
      return;
    }
    if (text.startsWith(':')) {
      stream.comments.push({ text: text.slice(1).trim(), receivedAt: Date.now() });
      return;
    }
    const colon = text.indexOf(':');
    const field = colon < 0 ? text : text.slice(0, colon);
    let value = colon < 0 ? '' : text.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') data.push(value);
    else if (field === 'event') event = value;
    else if (field === 'id') id = value;
    else if (field === 'retry') stream.retry = Number(value);
  };

  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  void (async () => {
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        const text = decoder.decode(value, { stream: true });
        stream.raw += text;
        buffer += text;
        const lines = buffer.split(/\r\n|\r|\n/);
        buffer = lines.pop() ?? '';
        for (const l of lines) line(l);
        notify();
      }
    } catch {
      // aborted by close(), or the server went away: either way the stream has ended
    }
    stream.ended = true;
    notify();
  })();
  return stream;
}

/** Order events of a stream (the `order` SSE events), parsed. */
export const orderEvents = (s: SseStream): any[] => s.messages.filter((m) => m.event === 'order').map((m) => m.json);

export const ids = (events: Array<{ id: number }>): number[] => events.map((e) => e.id);
