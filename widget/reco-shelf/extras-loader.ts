import type * as ExtrasModule from './extras.ts';

export type Extras = typeof ExtrasModule;

/** The main script's URL, captured by the bundle entry while it first runs. */
let scriptUrl = '';
export function setScriptUrl(url: string): void {
  scriptUrl = url;
}

/**
 * Where a chunk of the built bundle lives: beside the script that loaded the shelf. A module
 * script has no `currentScript`; then the page's own `<script src>` of the shelf says where.
 */
export function chunkUrl(file: string): string {
  const src = scriptUrl || document.querySelector<HTMLScriptElement>('script[src*="reco-shelf"]')?.src;
  return new URL(file, src || location.href).href;
}

let loaded: Extras | undefined;
let loading: Promise<Extras | undefined> | undefined;

/** The second chunk if it has arrived. */
export const extras = (): Extras | undefined => loaded;

/**
 * Loads the second chunk, once per page. The build (vite.config.ts) points this import at
 * `chunkUrl('reco-shelf.extras.js')`; a chunk that fails to load resolves undefined, and
 * the shelf carries on without what it holds.
 */
export function loadExtras(): Promise<Extras | undefined> {
  loading ??= import('./extras.ts').then(
    (m) => (loaded = m),
    () => undefined,
  );
  return loading;
}

/** Runs `use` with the chunk: now if it is there, else once it arrives (never if it fails). */
export function withExtras(use: (m: Extras) => void): void {
  if (loaded) use(loaded);
  else void loadExtras().then((m) => m && use(m));
}
