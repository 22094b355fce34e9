/**
 * A shelf rendered on the server (`POST /v1/shelves` with `render: "html"`): a `<reco-shelf>` holding a
 * declarative shadow root with the element's own styles and the DOM the element renders for the same
 * answer with its default cards, plus the answer as a JSON data block for the element to adopt
 * (docs/contracts.md, widget/README.md "Server-rendered shelves"). Visible with JavaScript off: the
 * cards are links. No script runs; no `style` attribute. Every product value is escaped, every URL
 * passes the widget's own `safeUrl` rule. Pure code: it runs in Node and, for the browser test that
 * compares it with the element's rendering, in Chromium.
 */
import { maxShelfSize } from '../../contracts/shelf-answer.ts';
import { formatPrice } from '../../widget/reco-shelf/price-format.ts';
import { styles } from '../../widget/reco-shelf/reco-shelf.styles.ts';
import { safeSrcset, safeUrl } from '../../widget/reco-shelf/safe-url.ts';
import type { RecommendationAnswer } from './shelf-service.ts';

/** How the storefront shows the shelf: the element's attributes of the same names. */
export interface ShelfDisplay {
  heading?: string;
  layout?: 'carousel' | 'grid';
  limit?: number;
  items?: readonly string[];
  locale?: string;
  currency?: string;
  /** The page's shopper token, as the page would set `shopper-token`: an adopted shelf's events carry it. */
  shopperToken?: string;
  /** The page's session id, as `session-id`. */
  sessionId?: string;
}

/** One shelf of an answer, as `POST /v1/recommendations` gives it (an `html` it carries is left out). */
export type ShelfToRender = RecommendationAnswer & { html?: string };

const defaultHeading = 'Recommended for you';
/** The element's `limit` rule (reco-shelf.ts `clampLimit`). */
const clampLimit = (limit: number | undefined) => Math.min(maxShelfSize, Math.max(1, Math.floor(limit ?? 8) || 8));

const entities: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
/** Escapes a value for HTML text and for a double-quoted attribute alike. */
export function escapeHtml(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (c) => entities[c]!);
}

/** A base no page has: the server cannot know the page, only whether a URL is safe on any http(s) page. */
const anyPage = 'https://reco-shelf.invalid/';

/**
 * The widget's `safeUrl` rule without the page: an absolute URL comes out as the element writes it; a
 * relative one stays relative, for the browser to resolve against the page as the element's `safeUrl`
 * does (the same URL, and the same http(s) scheme on any http(s) page).
 */
function pageUrl(raw: unknown): string | undefined {
  const safe = safeUrl(raw, anyPage);
  if (safe === undefined || typeof raw !== 'string') return undefined;
  return URL.canParse(raw.trim()) ? safe : raw.trim();
}

/** `safeSrcset` by the same rule: every candidate safe, or no `srcset`. */
function pageSrcset(raw: unknown): string | undefined {
  if (safeSrcset(raw, anyPage) === undefined || typeof raw !== 'string') return undefined;
  return raw
    .split(',')
    .map((candidate) => {
      const [url, descriptor] = candidate.trim().split(/\s+/, 2);
      return descriptor ? `${pageUrl(url)} ${descriptor}` : pageUrl(url);
    })
    .join(', ');
}

const attr = (name: string, value: string | undefined) =>
  value === undefined ? '' : ` ${name}="${escapeHtml(value)}"`;

type Item = RecommendationAnswer['items'][number];

/** `defaultCard` of widget/reco-shelf/card-view.ts (no add-to-cart button: the display has none). */
function card(item: Item, index: number, display: ShelfDisplay): string {
  const href = pageUrl(item.url);
  const src = pageUrl(item.image);
  const srcset = pageSrcset((item as { srcset?: unknown }).srcset);
  const media = src
    ? `<img part="image"${attr('src', src)}${attr('srcset', srcset)}${attr('sizes', srcset && 'auto, 200px')}` +
      ' alt="" width="176" height="176" loading="lazy" decoding="async">'
    : '<span class="reco-broken"></span>';
  const price = formatPrice(item.price, display.locale || undefined, display.currency || undefined);
  return (
    `<li part="card" class="reco-card" data-i="${index}"><a part="link" class="reco-link"${attr('href', href)}>` +
    `<span class="reco-media">${media}</span><span part="title" class="reco-title">${escapeHtml(item.title)}</span>` +
    `</a><span part="price" class="reco-price">${escapeHtml(price)}</span></li>`
  );
}

/** `skeletonCards`: the reserved space while loading, with the default card's box sizes. */
const skeleton =
  '<li class="reco-card reco-skeleton"><span class="reco-media"></span><span class="reco-title"></span>' +
  '<span class="reco-price"></span></li>';

const chevron = (d: string) =>
  '<svg viewBox="0 0 24 24" aria-hidden="true" fill="none" stroke="currentColor" stroke-width="2.2" ' +
  `stroke-linecap="round" stroke-linejoin="round"><path d="${d}"></path></svg>`;

/**
 * `navigation`: both ends disabled, the element's state until it has measured the list (it measures
 * after layout, once its script runs; without JavaScript the buttons do nothing).
 */
const navigation =
  '<div part="navigation" class="reco-nav"><button part="nav-button" type="button" aria-label="Previous items"' +
  ` aria-controls="list" aria-disabled="true">${chevron('M15 5l-7 7 7 7')}</button><button part="nav-button"` +
  ` type="button" aria-label="Next items" aria-controls="list" aria-disabled="true">${chevron('M9 5l7 7-7 7')}` +
  '</button></div>';

/** The shelf as a JSON data block's text: `<` as `\u003c`, so no value can end the block or open a comment. */
export function answerJson(shelf: ShelfToRender): string {
  const { html: _html, ...answer } = shelf;
  return JSON.stringify(answer).replace(/</g, '\\u003c');
}

/** The element's own CSS, as the `<style>` of the declarative shadow root carries it. */
export const shelfCss: string = styles.cssText;

/**
 * The CSP source that allows the fragment's `<style>` (`style-src 'sha256-…'`): the hash of the
 * element's CSS text, the same for every shelf of one release of the widget.
 */
export async function shelfStyleHash(): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(shelfCss));
  return `'sha256-${btoa(String.fromCharCode(...new Uint8Array(digest)))}'`;
}

/** The `<reco-shelf>` fragment for one shelf of an answer (interface 3 of issue #22). */
export function renderShelfHtml(shelf: ShelfToRender, display: ShelfDisplay = {}): string {
  const limit = clampLimit(display.limit);
  const items = shelf.items.slice(0, limit);
  const carousel = display.layout !== 'grid';
  const ready = items.length > 0;
  const host =
    `<reco-shelf${attr('placement', shelf.placement)}` +
    attr('items', display.items?.length ? display.items.join(',') : undefined) +
    attr('limit', display.limit === undefined ? undefined : String(display.limit)) +
    attr('heading', display.heading) +
    attr('layout', display.layout) +
    attr('locale', display.locale || undefined) +
    attr('currency', display.currency || undefined) +
    attr('shopper-token', display.shopperToken || undefined) +
    attr('session-id', display.sessionId || undefined) +
    ' data-ssr' +
    attr('data-request-id', shelf.requestId) +
    attr('data-source', shelf.source) +
    attr('data-fallback-reason', shelf.fallbackReason ?? undefined) +
    attr('data-variant', shelf.model?.variant ?? undefined) +
    attr('data-model-version', shelf.model?.version ?? undefined) +
    '>';
  const cards = ready ? items.map((item, i) => card(item, i, display)).join('') : skeleton.repeat(limit);
  const shadow =
    `<section part="base" class="reco-base ${carousel ? 'reco-carousel' : 'reco-grid'}" aria-labelledby="heading"` +
    ` aria-busy="${!ready}"><div class="reco-header"><h2 id="heading" part="heading" class="reco-heading">` +
    `<slot name="heading">${escapeHtml(display.heading ?? defaultHeading)}</slot></h2>${carousel ? navigation : ''}` +
    `</div><ul id="list" part="list" class="reco-list" role="list"${ready ? '' : ' aria-hidden="true"'}>${cards}</ul>` +
    '</section>';
  return (
    `${host}<template shadowrootmode="open"><style>${shelfCss}</style>${shadow}</template>` +
    `<script type="application/json" data-reco-answer>${answerJson(shelf)}</script></reco-shelf>`
  );
}
