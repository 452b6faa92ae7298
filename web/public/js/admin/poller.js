// Polls for the live staff pages (notifications monitor, system). Notification rows and health are not order
// events, so these pages ask again on a timer rather than follow the event stream: every `everyMs` while
// answers come, backing off (doubling, with jitter, up to `maxMs`) while they do not, and pausing while the tab
// is hidden so a forgotten tab costs the server nothing.

/**
 * `tick()` resolves when the page is up to date (rejects when the server could not answer); `onState` hears
 * 'live' | 'retrying' (with the delay) | 'paused' | 'stopped'. `stop()` ends it, e.g. on a refusal that asking
 * again cannot fix.
 */
export function startPolling(tick, { everyMs = 5000, maxMs = 60000, onState = () => {} } = {}) {
  let failures = 0;
  let timer;
  let stopped = false;
  let running = false;
  let again = false;

  const schedule = (ms) => {
    clearTimeout(timer);
    if (!stopped) timer = setTimeout(run, ms);
  };

  async function run() {
    if (stopped) return;
    if (running) {
      again = true; // asked for during a tick: one more as soon as it ends
      return;
    }
    if (document.hidden) {
      onState('paused');
      return; // visibilitychange resumes
    }
    running = true;
    try {
      await tick();
      failures = 0;
      if (!stopped) onState('live');
      schedule(again ? 0 : everyMs);
    } catch (err) {
      failures += 1;
      const ceiling = Math.min(maxMs, everyMs * 2 ** failures);
      // Half fixed, half random: staff tabs left open across a deploy do not come back in step.
      const delay = Math.round(ceiling / 2 + Math.random() * (ceiling / 2));
      if (!stopped) onState('retrying', { delayMs: delay, error: err });
      schedule(delay);
    } finally {
      again = false;
      running = false;
    }
  }

  const onVisible = () => {
    if (!document.hidden && !stopped) schedule(0);
  };
  document.addEventListener('visibilitychange', onVisible);
  run();

  return {
    /** Ask now (after a change the page made), then carry on with the usual rhythm. */
    now: () => schedule(0),
    stop() {
      stopped = true;
      clearTimeout(timer);
      document.removeEventListener('visibilitychange', onVisible);
      onState('stopped');
    },
  };
}

/** The live-indicator text of a poll state. */
export function pollText(state, info) {
  if (state === 'live') return `Live · updated ${new Date().toLocaleTimeString('en-GB', { timeZone: 'Europe/London' })}`;
  if (state === 'retrying') return `Not answering (${info.error.message}); trying again in ${Math.ceil(info.delayMs / 1000)} s`;
  if (state === 'paused') return 'Paused while the tab is hidden';
  return 'Stopped';
}
