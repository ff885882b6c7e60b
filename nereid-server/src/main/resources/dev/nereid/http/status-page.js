// Refreshes the status page's counters from the JSON API every two seconds: requests/s, latency
// percentiles, mean queue time and failures over the last interval, and each version's state.
(function () {
  'use strict';
  const PERIOD_MS = 2000;
  let previous = null;
  let refreshes = 0;

  function byKey(stats) {
    const m = new Map();
    for (const s of stats.model_stats || []) m.set(s.name + '/' + s.version, s);
    return m;
  }

  function percentile(bounds, counts, q) {
    let total = 0;
    for (const c of counts) total += c;
    if (total === 0) return null;
    let seen = 0;
    for (let i = 0; i < counts.length; i++) {
      seen += counts[i];
      if (seen >= q * total) return i === counts.length - 1 ? Infinity : bounds[i];
    }
    return bounds[bounds.length - 1];
  }

  function ms(us) {
    if (us === null || us === undefined) return '–';
    if (!isFinite(us)) return '> ' + (document.body.dataset.maxLatencyMs || '?') + ' ms';
    return (us / 1000).toFixed(us < 1000 ? 3 : 1);
  }

  function set(row, field, text) {
    const cell = row.querySelector('[data-field="' + field + '"]');
    if (cell) cell.textContent = text;
  }

  async function control(action, model) {
    const note = document.getElementById('note');
    const response = await fetch('/v2/repository/models/' + encodeURIComponent(model) + '/' + action, { method: 'POST' });
    if (response.ok) {
      note.textContent = action + ' ' + model + ': done';
    } else {
      let message = response.status + '';
      try { message = (await response.json()).error; } catch (e) { /* not JSON */ }
      note.textContent = action + ' ' + model + ' failed: ' + message;
    }
    refresh();
  }

  async function refresh() {
    try {
      const [index, stats, latency] = await Promise.all([
        fetch('/v2/repository/index', { method: 'POST', body: '{}' }).then(r => r.ok ? r.json() : Promise.reject(r.status)),
        fetch('/v2/models/stats').then(r => r.ok ? r.json() : Promise.reject(r.status)),
        fetch('/status/latency').then(r => r.ok ? r.json() : Promise.reject(r.status)),
      ]);
      const now = performance.now();
      const current = { at: now, stats: byKey(stats), latency: latency.models };
      const rows = document.querySelectorAll('tr[data-model]');
      const known = new Set(Array.from(rows, r => r.dataset.model + '/' + r.dataset.version));
      for (const entry of index) {
        if (!known.has(entry.name + '/' + (entry.version || ''))) { location.reload(); return; }
      }
      for (const row of rows) {
        const key = row.dataset.model + '/' + row.dataset.version;
        const entry = index.find(e => e.name + '/' + (e.version || '') === key);
        if (entry) {
          set(row, 'state', entry.state || '');
          set(row, 'reason', entry.reason || '');
        }
        const s = current.stats.get(key);
        if (!s) continue;
        const i = s.inference_stats;
        set(row, 'total', String(i.success.count + i.fail.count));
        set(row, 'failures', String(i.fail.count));
        if (previous) {
          const p = previous.stats.get(key);
          const seconds = (now - previous.at) / 1000;
          if (p && seconds > 0) {
            const pi = p.inference_stats;
            const done = (i.success.count + i.fail.count) - (pi.success.count + pi.fail.count);
            set(row, 'rps', (done / seconds).toFixed(1));
            const queued = i.queue.count - pi.queue.count;
            set(row, 'queue', queued > 0 ? ms((i.queue.ns - pi.queue.ns) / queued / 1000) : '–');
            const failed = i.fail.count - pi.fail.count;
            set(row, 'failures', String(i.fail.count) + (failed > 0 ? ' (+' + failed + ')' : ''));
          }
          const now_ = current.latency[row.dataset.model];
          const before = previous.latency[row.dataset.model];
          if (now_) {
            const window = now_.map((c, k) => c - (before ? before[k] : 0));
            set(row, 'p50', ms(percentile(latency.bounds_us, window, 0.5)));
            set(row, 'p99', ms(percentile(latency.bounds_us, window, 0.99)));
          }
        }
      }
      previous = current;
      document.getElementById('note').dataset.error = '';
      document.body.dataset.refreshes = String(++refreshes);
    } catch (e) {
      document.getElementById('note').textContent = 'cannot refresh: ' + e;
    }
  }

  document.addEventListener('click', event => {
    const button = event.target.closest('button[data-action]');
    if (button && !button.disabled) control(button.dataset.action, button.dataset.model);
  });
  refresh();
  setInterval(refresh, PERIOD_MS);
})();
