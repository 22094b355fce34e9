// Loaded first by every bundle test page: records errors and reco-load details, and the
// window's own property names before the bundle runs (to prove it adds no globals).
window.before = null;
window.errors = [];
window.loads = [];
addEventListener('error', (e) => errors.push(e.message));
document.addEventListener('reco-load', (e) => loads.push(e.detail));
window.before = Object.getOwnPropertyNames(window);
