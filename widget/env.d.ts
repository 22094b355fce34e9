/**
 * True in the development build (`dist/reco-shelf.dev.js`) and in the widget tests; false in
 * the production bundle, where the minifier drops every `if (__RECO_DEV__)` branch.
 */
declare const __RECO_DEV__: boolean;
