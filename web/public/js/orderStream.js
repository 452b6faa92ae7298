/**
 * orderStream.js — follow DY Orders' live order events (Server-Sent Events) from a page, with no build step.
 *
 *   <script src="/js/orderStream.js"></script>
 *   <script>
 *     const stream = DyOrderStream.open({
 *       url: '/api/orders/' + orderId + '/stream',
 *       headers: { 'X-Tracking-Token': trackingToken },      // admins: url '/api/admin/stream' with the session cookie, or { Authorization: 'Bearer <API key>' }
 *       onEvent: (event) => render(event),                   // { id, seq, orderNumber, type, fromStatus, toStatus, actor, reason, data, occurredAt }
 *       onState: (state, info) => showBanner(state, info),   // 'connecting' | 'open' | 'waiting' (info.delayMs) | 'closed'
 *       onError: (err) => console.warn(err),                 // a refusal that retrying cannot fix (err.status 400/401/403/404)
 *     });
 *     // later: stream.close(); stream.lastEventId is the last event received
 *   </script>
 *
 * Why fetch and not EventSource: EventSource cannot send the token in a header and retries on its own fixed
 * delay, so thousands of pages reconnect together after a deploy. Here every reconnect waits a random time
 * between 0 and min(maxDelayMs, baseDelayMs × 2^attempt) ("full jitter"), and sends `Last-Event-ID` so the
 * server replays exactly what was missed. A stream silent for longer than `idleTimeoutMs` (the server sends
 * a heartbeat comment every 15 s) is taken for a dead connection and replaced.
 *
 * The server answers each event as `id: <n>`, `event: order`, `data: <JSON>`; a customer's stream starts
 * with the order's whole history, an admin's with what happens next (pass `lastEventId` to resume).
 * The server ends every stream after SSE_MAX_LIFETIME; this helper then reconnects with `Last-Event-ID`, so
 * nothing is missed. A plain EventSource works for a customer's stream too, with the token in the query and
 * `source.addEventListener('order', (m) => render(JSON.parse(m.data)))`; `?lastEventId=` sets where a
 * first connect starts.
 * Also loadable in Node 20 (`require('.../orderStream.js').open({...})`, absolute `url`).
 */
(function (root, factory) {
  var api = factory();
  if (typeof module === 'object' && module.exports) module.exports = api;
  else root.DyOrderStream = api;
})(typeof self !== 'undefined' ? self : this, function () {
  'use strict';

  var FATAL = [400, 401, 403, 404, 410];

  /** Splits a text/event-stream into events as the HTML spec does (fields, comments, blank-line dispatch). */
  function createParser(onMessage) {
    var buffer = '';
    var data = [];
    var eventName = '';
    var id;
    var sawId = false;
    function line(text) {
      if (text === '') {
        if (data.length > 0) onMessage({ event: eventName || 'message', data: data.join('\n'), id: sawId ? id : undefined });
        data = [];
        eventName = '';
        sawId = false;
        return;
      }
      if (text.charAt(0) === ':') return;
      var colon = text.indexOf(':');
      var field = colon < 0 ? text : text.slice(0, colon);
      var value = colon < 0 ? '' : text.slice(colon + 1);
      if (value.charAt(0) === ' ') value = value.slice(1);
      if (field === 'data') data.push(value);
      else if (field === 'event') eventName = value;
      else if (field === 'id' && value.indexOf('\u0000') < 0) {
        id = value;
        sawId = true;
      } else if (field === 'retry' && /^\d+$/.test(value)) onMessage({ retry: Number(value) });
    }
    return function push(chunk) {
      buffer += chunk;
      var match;
      var re = /\r\n|\r|\n/g;
      var start = 0;
      while ((match = re.exec(buffer))) {
        // A lone \r at the end may be the first half of \r\n: wait for the next chunk.
        if (match[0] === '\r' && match.index === buffer.length - 1) break;
        line(buffer.slice(start, match.index));
        start = match.index + match[0].length;
      }
      buffer = buffer.slice(start);
    };
  }

  function open(options) {
    var doFetch = options.fetch || fetch;
    var random = options.random || Math.random;
    var baseDelayMs = options.baseDelayMs || 1000;
    var maxDelayMs = options.maxDelayMs || 30000;
    var idleTimeoutMs = options.idleTimeoutMs || 45000;
    var onEvent = options.onEvent || function () {};
    var onState = options.onState || function () {};
    var onError = options.onError || function () {};
    var lastEventId = options.lastEventId !== undefined && options.lastEventId !== null ? String(options.lastEventId) : undefined;
    var attempt = 0;
    var stopped = false;
    var controller;
    var retryTimer;
    var idleTimer;

    function state(name, info) {
      try {
        onState(name, info || {});
      } catch (e) {
        /* a page's handler must not stop the stream */
      }
    }

    function armIdle() {
      clearTimeout(idleTimer);
      idleTimer = setTimeout(function () {
        if (controller) controller.abort();
      }, idleTimeoutMs);
    }

    function scheduleReconnect(minDelayMs) {
      if (stopped) return;
      var delay = Math.floor(random() * Math.min(maxDelayMs, baseDelayMs * Math.pow(2, attempt)));
      delay = Math.max(delay, minDelayMs || 0);
      attempt += 1;
      state('waiting', { delayMs: delay, attempt: attempt });
      retryTimer = setTimeout(connect, delay);
    }

    function connect() {
      if (stopped) return;
      controller = new AbortController();
      var headers = Object.assign({ Accept: 'text/event-stream' }, options.headers || {});
      if (lastEventId !== undefined) headers['Last-Event-ID'] = lastEventId;
      state('connecting', { lastEventId: lastEventId });
      armIdle();
      doFetch(options.url, { headers: headers, signal: controller.signal, cache: 'no-store' })
        .then(function (res) {
          if (!res.ok) {
            var retryAfter = Number(res.headers.get('Retry-After')) * 1000 || 0;
            return res.text().then(function (body) {
              var err = new Error('stream refused: ' + res.status);
              err.status = res.status;
              err.body = body;
              if (FATAL.indexOf(res.status) >= 0) {
                stop();
                onError(err);
                return;
              }
              throw Object.assign(err, { retryAfterMs: retryAfter });
            });
          }
          attempt = 0;
          state('open', { lastEventId: lastEventId });
          var reader = res.body.getReader();
          var decoder = new TextDecoder();
          var parse = createParser(function (message) {
            if (message.retry !== undefined) {
              baseDelayMs = options.baseDelayMs || Math.min(message.retry, maxDelayMs);
              return;
            }
            if (message.id !== undefined) lastEventId = message.id;
            var event;
            try {
              event = JSON.parse(message.data);
            } catch (e) {
              return;
            }
            try {
              onEvent(event, { id: message.id, event: message.event });
            } catch (e) {
              /* a page's handler must not stop the stream */
            }
          });
          function pump() {
            return reader.read().then(function (chunk) {
              if (chunk.done) return;
              armIdle();
              parse(decoder.decode(chunk.value, { stream: true }));
              return pump();
            });
          }
          return pump().then(function () {
            throw new Error('stream ended');
          });
        })
        .catch(function (err) {
          clearTimeout(idleTimer);
          if (stopped) return;
          scheduleReconnect(err && err.retryAfterMs);
        });
    }

    function stop() {
      stopped = true;
      clearTimeout(retryTimer);
      clearTimeout(idleTimer);
      if (controller) controller.abort();
      state('closed', { lastEventId: lastEventId });
    }

    connect();
    return {
      close: stop,
      get lastEventId() {
        return lastEventId;
      },
    };
  }

  return { open: open, createParser: createParser };
});
