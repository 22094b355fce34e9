/**
 * Bundle entry (`dist/reco-shelf.js`). Storefronts may include the script twice, or as
 * both a classic script and a module: registration is guarded, and the only global it
 * claims is the `reco-shelf` element name.
 */
import { setScriptUrl } from './reco-shelf/extras-loader.ts';
import { RecoShelf, setDefaultEndpoint } from './reco-shelf/reco-shelf.ts';

// Only a classic script has currentScript, and only while it first runs.
const script = document.currentScript;
if (script instanceof HTMLScriptElement && script.src) {
  setDefaultEndpoint(new URL(script.src).origin);
  setScriptUrl(script.src);
}

if (!customElements.get('reco-shelf')) customElements.define('reco-shelf', RecoShelf);
