/**
 * Where `POST /v1/shelves` with `render: "html"` finds `renderShelfHtml` (server/shelf/shelf-html.ts,
 * the fragment of docs/contracts.md). Loaded once, at the first html request.
 *
 * TODO(merge): once `shelf-html.ts` is on this branch, replace the body of this file with
 * `export { renderShelfHtml } from './shelf-html.ts';` and a synchronous `loadShelfHtml` (or import it in
 * routes/shelves.ts directly): the dynamic import below only keeps the typecheck green before that merge,
 * and a bundled proxy (scripts/build-proxy.ts) would not follow a computed specifier.
 */
import type { RecommendationAnswer } from './shelf-service.ts';

/** How a shelf is shown on the page: what the `<reco-shelf>` element's attributes say. */
export interface ShelfDisplay {
  heading?: string;
  layout?: 'carousel' | 'grid';
  limit?: number;
  items?: string[];
  locale?: string;
  currency?: string;
}

/** `renderShelfHtml(shelf, display)`: the shelf's `<reco-shelf>` fragment with its declarative shadow root. */
export type RenderShelfHtml = (shelf: RecommendationAnswer, display: ShelfDisplay) => string;

let loading: Promise<RenderShelfHtml | undefined> | undefined;

/** The renderer, or undefined when this build lacks it. */
export function loadShelfHtml(): Promise<RenderShelfHtml | undefined> {
  const specifier = './shelf-html.ts';
  loading ??= (import(specifier) as Promise<{ renderShelfHtml?: RenderShelfHtml }>).then(
    (module) => module.renderShelfHtml,
    () => undefined,
  );
  return loading;
}
