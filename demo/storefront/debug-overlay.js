/* Demo only: ?debug=1 shows, above each shelf, where its answer came from (?debug=0 hides it).
   Plain ES5, as the shop's other scripts. Absolutely positioned just above the shelf, so it
   never shifts the page nor covers the shelf's own buttons. */
(() => {
  function place(shelf, box) {
    var rect = shelf.getBoundingClientRect();
    box.style.top = `${rect.top + window.scrollY - box.offsetHeight}px`;
    box.style.left = `${rect.left + window.scrollX}px`;
    box.style.maxWidth = `${rect.width}px`;
  }
  // The shelf POSTs, so its URL names no placement: the proxy's Server-Timing does (`placement` for one
  // shelf; `shelf-0`, `shelf-1`… whose description starts with the placement for a page's batch).
  function names(t, placement) {
    return (
      (t.name === 'placement' && t.description === placement) ||
      (/^shelf-\d+$/.test(t.name) && t.description.split(' ')[0] === placement)
    );
  }
  function serverTimingOf(entry) {
    var server = {};
    (entry?.serverTiming || []).forEach((t) => {
      server[t.name] = t.description || Math.round(t.duration);
    });
    return server;
  }
  function timingOf(placement) {
    var entries = performance
      .getEntriesByType('resource')
      .filter(
        (r) =>
          (r.name.indexOf('/v1/recommendations') !== -1 || r.name.indexOf('/v1/shelves') !== -1) &&
          (r.serverTiming || []).some((t) => names(t, placement)),
      );
    var last = entries[entries.length - 1];
    return { latency: last ? Math.round(last.responseEnd - last.startTime) : null, server: serverTimingOf(last) };
  }
  function show(shelf, detail, timing) {
    var box = document.getElementById(`${shelf.id}-debug`) || document.createElement('div');
    box.id = `${shelf.id}-debug`;
    box.className = 'reco-debug';
    box.setAttribute('data-source', detail.source);
    box.setAttribute('data-reason', detail.fallbackReason || '');
    box.textContent =
      'source: ' +
      detail.source +
      ' | reason: ' +
      (detail.fallbackReason || '-') +
      ' | variant: ' +
      (timing.server.variant || '-') +
      ' | latency: ' +
      (timing.latency === null ? '?' : `${timing.latency} ms${timing.onServer ? ' (on the server)' : ''}`) +
      (timing.server.upstream !== undefined ? ` (upstream ${timing.server.upstream} ms)` : '');
    document.body.appendChild(box);
    place(shelf, box);
    window.addEventListener('resize', () => {
      place(shelf, box);
    });
  }
  document.addEventListener('reco-load', (event) => {
    show(event.target, event.detail, timingOf(event.target.getAttribute('placement')));
  });
  // A shelf the storefront's server rendered made no request from this page: its fragment says where it came
  // from, and the page's own response carries the proxy's Server-Timing (the storefront forwards it).
  document.addEventListener('DOMContentLoaded', () => {
    var page = serverTimingOf(performance.getEntriesByType('navigation')[0]);
    document.querySelectorAll('reco-shelf[data-ssr][data-source]').forEach((shelf) => {
      var detail = { source: shelf.dataset.source, fallbackReason: shelf.dataset.fallbackReason || null };
      var latency = typeof page.total === 'number' ? page.total : null;
      show(shelf, detail, { latency: latency, onServer: true, server: { variant: shelf.dataset.variant } });
    });
  });
})();
