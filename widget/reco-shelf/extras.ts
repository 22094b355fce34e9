/**
 * The shelf's second chunk (`reco-shelf.extras.js` beside `reco-shelf.js`): what the first
 * paint does not need. `extras-loader.ts` loads it when a shelf's cards first come into view,
 * or at once for a shelf with a `<template>` card. Without it (it failed to load) the shelf
 * still shows and links its cards and reports `reco-load`/`reco-error`; it loses the template
 * cards (default cards instead), the card events (impressions, clicks, add-to-cart), the proxy's
 * event beacon, GA4 and the arrow keys.
 */
export { templateCard } from './card-template.ts';
export { moveFocus } from './carousel-keys.ts';
export { failureDetail } from './error-codes.ts';
export { withdrawConsent } from './consent-withdrawal.ts';
export { onImpressions, onListClick } from './card-events.ts';
export { ImpressionTracker } from './impressions.ts';
