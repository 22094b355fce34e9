import { LitElement, html, nothing, type PropertyValues, type TemplateResult } from 'lit';
import { maxShelfSize } from '../../contracts/shelf-answer.ts';
import { defaultCard, navigation, onImageError, skeletonCards } from './card-view.ts';
import { warnInvalidValues, warnOnce, warnUnknownAttributes } from './developer-warnings.ts';
import { parseResponse, type RequestFailure, requestShelf } from './shelf-request.ts';
import { type Extras, extras, loadExtras, withExtras } from './extras-loader.ts';
import { anonymousSessionId } from './random-id.ts';
import { type ConsentState, consentGranted, setPageConsent } from './consent.ts';
import { styles } from './reco-shelf.styles.ts';
import { scrollEdges } from './carousel-keys.ts';
import { isOnScreen, watchViewport } from './viewport.ts';
import type { ShownShelf } from './card-events.ts';
import type { ShelfContext } from './shopper-events.ts';
import type { RecoResponse } from './types.ts';

let defaultEndpoint = typeof location === 'object' ? location.origin : '';
/** Set by the bundle entry to the origin the script was loaded from. */
export function setDefaultEndpoint(origin: string): void {
  defaultEndpoint = origin;
}

const clampLimit = (limit: number) => Math.min(maxShelfSize, Math.max(1, Math.floor(limit) || 8));
const FETCH_KEYS = ['endpoint', 'placement', 'userId', 'sessionId', 'shopperToken', 'items', 'limit', 'armed'];
type Status = 'loading' | 'ready' | 'empty';

/**
 * A shelf of recommended products, fetched from the reco proxy and rendered in shadow DOM.
 *
 * @summary Drop-in recommendation shelf: `<reco-shelf placement="home"></reco-shelf>`.
 *
 * @attr endpoint - Base URL of the reco proxy. Default: the origin `reco-shelf.js` was loaded from.
 * @attr placement - Placement id (`[a-z0-9-]{1,64}`) as the proxy's rules name it, e.g. `home`, `product`,
 *   `cart`. Required.
 * @attr user-id - The signed-in shopper's id.
 * @attr shopper-token - The signed-in shopper as a JWT signed by the storefront's server; sent to the proxy
 *   with every request and event.
 * @attr session-id - Anonymous shopper id. Default: a random id kept in localStorage (never a cookie), used
 *   only without `user-id`.
 * @attr items - Context item ids, comma- or space-separated (e.g. the product on this page).
 * @attr limit - Number of items, 1–48. Default 8.
 * @attr heading - Heading text. Default "Recommended for you".
 * @attr layout - `carousel` (default) or `grid`.
 * @attr locale - Locale for prices. Default: `<html lang>`, else the browser's.
 * @attr currency - Currency for prices that carry none (ISO 4217).
 * @attr loading - `lazy` (default): fetch when the shelf comes within 300px of the viewport; `eager`: fetch
 *   at once.
 * @attr timeout - Client-side cap on the request, in ms. Default 3000.
 * @attr add-to-cart - Show an add-to-cart button on each card; a non-empty value is its label. Default label
 *   "Add to cart".
 * @attr data-layer - Push GA4 `view_item_list` / `select_item` / `add_to_cart` events to this data layer
 *   (empty value: `dataLayer`).
 * @attr consent - `pending`, `granted` or `denied`: until `granted` the shelf keeps nothing on the device
 *   and sends no events (it still shows recommendations). Absent: granted, unless the page's Google
 *   Consent Mode or `RecoShelf.setConsent` says otherwise.
 *
 * @prop {number} impressionDwell - Milliseconds a card must stay 50 % visible to count as an impression.
 *   Default 1000.
 *
 * @event {CustomEvent<RecoLoadDetail>} reco-load - Items arrived: `{source, fallbackReason, requestId, count}`
 *   (count may be 0).
 * @event {CustomEvent<RecoErrorDetail>} reco-error - The request failed or timed out: `{code, error}` (the
 *   codes: widget/README.md "Problems and their codes"); the shelf collapses (or shows the `empty` slot).
 * @event {CustomEvent<RecoItemDetail>} reco-impression - A card stayed at least 50 % visible for 1 s (once per
 *   card): `{item, position, requestId, source, placement}`.
 * @event {CustomEvent<RecoItemDetail>} reco-click - A card link was activated. Cancelable: `preventDefault()`
 *   stops the navigation (SPA routing).
 * @event {CustomEvent<RecoItemDetail>} reco-add-to-cart - The add-to-cart button of a card was pressed.
 *
 * @slot heading - Replaces the heading text.
 * @slot empty - Shown when there is nothing to show (no items, or the request failed). Without it the shelf
 *   collapses.
 * @slot - A `<template>` child replaces the card markup; elements marked
 *   `data-reco="url|image|title|price|category|id|add-to-cart"` are filled per item.
 *
 * @csspart base - The shelf region.
 * @csspart heading - The heading.
 * @csspart navigation - The previous/next button group (carousel).
 * @csspart nav-button - Each previous/next button.
 * @csspart list - The list of cards.
 * @csspart card - Each card.
 * @csspart link - The link around image and title.
 * @csspart image - The product image.
 * @csspart title - The product title.
 * @csspart price - The price.
 * @csspart button - The add-to-cart button.
 *
 * @cssproperty --reco-font - Font family. Default: system-ui stack.
 * @cssproperty --reco-color - Text colour. Default #1f2328.
 * @cssproperty --reco-accent - Buttons and focus ring. Default #0b6e4f.
 * @cssproperty --reco-accent-contrast - Text on accent. Default #fff.
 * @cssproperty --reco-price-color - Price colour. Default: text colour.
 * @cssproperty --reco-card-background - Card background. Default #fff.
 * @cssproperty --reco-border-color - Card border. Default #e4e3dc.
 * @cssproperty --reco-image-background - Behind product images. Default #f4f3ee.
 * @cssproperty --reco-skeleton-color - Loading placeholders. Default #eceae3.
 * @cssproperty --reco-radius - Card corner radius. Default 10px.
 * @cssproperty --reco-gap - Space between cards. Default 16px.
 * @cssproperty --reco-card-width - Card width (carousel) or minimum card width (grid). Default 176px.
 */
export class RecoShelf extends LitElement {
  static override styles = styles;

  /**
   * The shop's consent banner's answer, for every shelf on the page: `granted` lets the shelves
   * keep their session id and send events from then on; `denied` (a withdrawal) also forgets the
   * stored session id and drops the events not yet sent.
   */
  static setConsent(state: ConsentState): void {
    setPageConsent(state);
    if (state === 'denied') withExtras((m) => m.withdrawConsent());
  }

  // Lit's reactive properties: their options here, their defaults as the fields below.
  static override properties = {
    endpoint: {},
    placement: {},
    userId: { attribute: 'user-id' },
    sessionId: { attribute: 'session-id' },
    shopperToken: { attribute: 'shopper-token' },
    items: { converter: (v: string | null) => (v ? v.split(/[\s,]+/).filter(Boolean) : []) },
    limit: { type: Number },
    heading: {},
    layout: {},
    locale: {},
    currency: {},
    loading: {},
    timeout: { type: Number },
    addToCart: { attribute: 'add-to-cart' },
    dataLayer: { attribute: 'data-layer' },
    consent: {},
    impressionDwell: { attribute: false },
    armed: { state: true },
    status: { state: true },
    hold: { state: true },
    atStart: { state: true },
    atEnd: { state: true },
  };

  endpoint = '';
  placement = '';
  userId = '';
  sessionId = '';
  shopperToken = '';
  items: string[] = [];
  limit = 8;
  heading = 'Recommended for you';
  layout: 'carousel' | 'grid' = 'carousel';
  locale = '';
  currency = '';
  loading: 'lazy' | 'eager' = 'lazy';
  timeout = 3000;
  addToCart: string | null = null;
  dataLayer: string | null = null;
  consent: ConsentState | null = null;
  impressionDwell = 1000;
  private armed = false;
  private status: Status = 'loading';
  private hold = 0;
  private atStart = true;
  private atEnd = true;

  #data: RecoResponse | undefined;
  /**
   * The strings of the list's template for the answer shown, a copy per answer. Lit keeps a
   * template's DOM while its strings array stays the same, so each answer gets a new list (scrolled
   * to the start, every card a new node), as Lit's `keyed` directive would give it, without the
   * directive code in the bundle. Lit's own `static-html.js` makes its strings arrays this way.
   */
  #listStrings: TemplateStringsArray | undefined;
  #controller: AbortController | undefined;
  #tracker: InstanceType<Extras['ImpressionTracker']> | undefined;
  #awaitingExtras = false;
  #stopWatching: (() => void)[] = [];
  #edgeObserver: ResizeObserver | undefined;
  #measuredList: HTMLElement | undefined;
  /**
   * The nodes of a server-rendered shadow root (`data-ssr`, widget/README.md "Server-rendered
   * shelves") the shelf adopted and shows instead of its own rendering, until an attribute that
   * changes the request makes it ask and render for itself.
   */
  #adopted: ChildNode[] | undefined;

  override connectedCallback(): void {
    const ssr = !this.renderRoot && this.hasAttribute('data-ssr');
    if (ssr && !this.shadowRoot && document.readyState === 'loading') {
      // Defined before the parser reached the server's shadow root (the script above the shelf).
      const later = () => this.isConnected && !this.renderRoot && this.connectedCallback();
      document.addEventListener('DOMContentLoaded', later, { once: true });
      return;
    }
    if (ssr && this.shadowRoot) this.#adopt(this.shadowRoot);
    super.connectedCallback();
    if (__RECO_DEV__) warnUnknownAttributes(this, (this.constructor as typeof RecoShelf).observedAttributes);
    if (this.#adopted) return;
    if (this.loading === 'eager') this.armed = true;
    else this.#stopWatching.push(watchViewport(this, '300px', (near) => near && (this.armed = true)));
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    // A removed shelf must not keep the network busy; if it comes back it asks again.
    if (this.status === 'loading') this.armed = false;
    this.#controller?.abort();
    this.#controller = undefined;
    for (const stop of this.#stopWatching.splice(0)) stop();
    this.#tracker?.disconnect();
    this.#tracker = undefined;
    this.#edgeObserver?.disconnect();
    this.#measuredList = undefined;
    this.#awaitingExtras = false;
  }

  /**
   * Takes the server's shadow DOM and answer as the shelf's own: the cards stay the nodes the
   * server sent (no request, no re-render), and the listeners Lit would bind go on the root.
   */
  #adopt(root: ShadowRoot): void {
    const block = this.querySelector(':scope > script[data-reco-answer]');
    let data: RecoResponse;
    try {
      data = parseResponse(JSON.parse(block?.textContent ?? ''));
    } catch {
      // No answer to go with the cards: the shelf asks and renders for itself instead.
      root.replaceChildren();
      return;
    }
    this.#adopted = [...root.childNodes];
    this.#data = data.items.length ? data : undefined;
    this.status = this.#data ? 'ready' : 'empty';
    // An image that failed before the script ran.
    for (const img of root.querySelectorAll('img')) if (img.complete && !img.naturalWidth) onImageError(img);
  }

  // Lit renders before the root's first node; an adopted root's first node leaves with the adoption.
  // The listeners sit on the root, for the shelf's own cards and for adopted ones alike.
  protected override createRenderRoot(): HTMLElement | DocumentFragment {
    const root = super.createRenderRoot();
    if (this.#adopted) this.renderOptions.renderBefore = null;
    root.addEventListener('click', (e) => {
      const button = (e.target as Element).closest('.reco-nav button');
      const shown = this.#shown();
      // Events come with the second chunk: a click before it arrives is reported once it has.
      if (button) this.#page(button.nextElementSibling ? -1 : 1);
      else if (shown) {
        const path = e.composedPath() as Element[];
        withExtras((m) => m.onListClick(shown, e as MouseEvent, path));
      }
    });
    root.addEventListener('keydown', (e) => extras()?.moveFocus(e as KeyboardEvent));
    root.addEventListener('scroll', () => this.#syncEdges(), true);
    root.addEventListener('error', (e) => onImageError(e.target as Element), true);
    return root;
  }

  protected override firstUpdated(): void {
    const data = this.#data;
    if (!this.#adopted) return;
    const { source = 'fallback', fallbackReason = null, requestId = '' } = data ?? {};
    this.#emit('reco-load', { source, fallbackReason, requestId, count: data?.items.length ?? 0 });
  }

  // Starting a request sets state (status, hold): here it joins this update instead of scheduling another.
  protected override willUpdate(changed: PropertyValues): void {
    if (__RECO_DEV__) warnInvalidValues(this, changed.keys(), clampLimit(this.limit));
    if (this.#adopted && this.hasUpdated && FETCH_KEYS.some((k) => k !== 'armed' && changed.has(k))) {
      // The server's answer no longer fits the attributes: ask, and render as a shelf of its own.
      for (const node of this.#adopted) node.remove();
      this.#adopted = undefined;
      this.#show(undefined);
      this.status = 'loading';
      this.armed = true;
    }
    if (this.armed && FETCH_KEYS.some((k) => changed.has(k))) void this.#load();
  }

  protected override updated(): void {
    const list = this.#listElement;
    const m = extras();
    if (this.status === 'ready' && list && m) {
      this.#tracker ??= new m.ImpressionTracker(
        (cards) => m.onImpressions(this.#shown()!, cards),
        this.impressionDwell,
      );
      for (const card of list.children) this.#tracker.observe(card);
    } else if (this.status === 'ready' && !this.#awaitingExtras) {
      // Impressions, events and keys come with the second chunk: fetched when the cards first
      // show, after the first paint. Updating again then starts counting impressions.
      this.#awaitingExtras = true;
      const stop = watchViewport(this, '0px', (seen) => {
        if (!seen) return;
        stop();
        void loadExtras().then((loaded) => loaded && this.requestUpdate());
      });
      this.#stopWatching.push(stop);
    }
    // The edges are known only after layout; a ResizeObserver reports them then (and on every
    // resize), outside this update, so setting atStart/atEnd never schedules an update from one.
    if (list && list !== this.#measuredList) {
      this.#measuredList = list;
      this.#edgeObserver ??= new ResizeObserver(() => this.#syncEdges());
      this.#edgeObserver.disconnect();
      this.#edgeObserver.observe(list);
    }
  }

  async #load(): Promise<void> {
    this.#controller?.abort();
    const controller = (this.#controller = new AbortController());
    if (this.status !== 'loading') this.#settle(() => (this.status = 'loading'));
    const limit = clampLimit(this.limit);
    // A `<template>` card is filled by code of the second chunk: fetch it alongside.
    const template = this.querySelector(':scope > template') && loadExtras();
    try {
      if (!this.placement) throw { failure: 'no-placement' } satisfies RequestFailure;
      const query = { ...this.#shopper(), items: this.items, limit };
      const data = await requestShelf(this, query, controller.signal, this.timeout > 0 ? this.timeout : 3000);
      await template;
      // Attributes changed (or the shelf left the page) while this answer was in flight.
      if (controller !== this.#controller) return;
      if (__RECO_DEV__) {
        for (const w of data.warnings) warnOnce(`RECO_${w.code.toUpperCase().replace(/-/g, '_')}`, w.message);
      }
      data.items = data.items.slice(0, limit);
      this.#show(data.items.length ? data : undefined);
      const { source, fallbackReason, requestId } = data;
      this.#emit('reco-load', { source, fallbackReason, requestId, count: data.items.length });
    } catch (e) {
      if (controller !== this.#controller || controller.signal.aborted) return;
      this.#show(undefined);
      const { placement } = this;
      // The shelf collapses now; the second chunk names the problem.
      withExtras((m) => {
        const detail = m.failureDetail(e);
        if (__RECO_DEV__) warnOnce(detail.code, `placement "${placement}": ${detail.error}`);
        this.#emit('reco-error', detail);
      });
    }
  }

  #show(data: RecoResponse | undefined): void {
    this.#settle(() => {
      this.#data = data;
      this.#listStrings = undefined;
      this.#tracker?.disconnect();
      this.#tracker = undefined;
      this.status = data ? 'ready' : 'empty';
    });
  }

  /**
   * Applies a change that may shrink the shelf. While the shopper can see it, the shelf
   * keeps its current height (a shrink would push the page up: a layout shift) and
   * collapses only once it is off screen, where scroll anchoring hides the change.
   */
  #settle(change: () => void): void {
    const height = this.renderRoot.querySelector('.reco-base')?.getBoundingClientRect().height ?? 0;
    if (height > this.hold && isOnScreen(this)) {
      if (!this.hold) {
        const stop = watchViewport(this, '0px', (visible) => {
          if (visible) return;
          stop();
          this.hold = 0;
        });
        this.#stopWatching.push(stop);
      }
      this.hold = height;
    }
    change();
  }

  #emit(name: string, detail: object): void {
    this.dispatchEvent(new CustomEvent(name, { detail, bubbles: true, composed: true }));
  }

  /** The answer shown and who the shopper is now: what the second chunk's card events need. */
  #shown(): ShownShelf | undefined {
    const data = this.#data;
    return data && { shelf: this, data, context: this.#shopper() };
  }

  /** Where the shelf's requests and events go, and for whom (the anonymous session without a user-id). */
  #shopper(): ShelfContext {
    const { placement, userId, shopperToken } = this;
    // Without consent, no anonymous id: it would be kept on the device.
    const granted = consentGranted(this.consent, this.dataLayer);
    const sessionId = userId || !granted ? this.sessionId : this.sessionId || anonymousSessionId();
    return { endpoint: this.endpoint || defaultEndpoint, placement, userId, sessionId, shopperToken, granted };
  }

  get #listElement(): HTMLElement | null {
    return this.renderRoot.querySelector('.reco-list');
  }

  #syncEdges(): void {
    const list = this.#listElement;
    if (!list) return;
    [this.atStart, this.atEnd] = scrollEdges(list);
    if (this.#adopted) {
      const [previous, next] = this.renderRoot.querySelectorAll('.reco-nav button');
      previous?.setAttribute('aria-disabled', String(this.atStart));
      next?.setAttribute('aria-disabled', String(this.atEnd));
    }
  }

  #page(direction: 1 | -1): void {
    const list = this.#listElement;
    list?.scrollBy({ left: direction * list.clientWidth * 0.9 });
  }

  /** The list, as a new template (new DOM) for each answer: see `#listStrings`. */
  #list(list: TemplateResult): TemplateResult {
    const { strings } = list;
    this.#listStrings ??= Object.assign([...strings], { raw: strings.raw });
    return { ...list, strings: this.#listStrings };
  }

  protected override render() {
    // An adopted shelf shows the server's DOM: Lit renders nothing beside it.
    if (this.#adopted) return nothing;
    const ready = this.status === 'ready' && this.#data ? this.#data : undefined;
    const holdStyle = this.hold ? `min-height:${this.hold}px` : '';
    if (this.status === 'empty') {
      const hasEmpty = this.querySelector(':scope > [slot="empty"]');
      return hasEmpty || this.hold
        ? html`<div class="reco-base" style=${holdStyle}><slot name="empty"></slot></div>`
        : nothing;
    }
    const carousel = this.layout !== 'grid';
    // Without the second chunk (it failed to load) a `<template>` shelf shows default cards.
    const template = this.querySelector<HTMLTemplateElement>(':scope > template');
    const fill = extras()?.templateCard;
    const limit = clampLimit(this.limit);
    const ctx = {
      locale: this.locale || document.documentElement.lang || undefined,
      currency: this.currency || undefined,
    };
    const list = html`<ul id="list" part="list" class="reco-list" role="list" aria-hidden=${ready ? nothing : 'true'}
>
      ${
        ready
          ? ready.items.map(
              (item, i) =>
                html`<li part="card" class="reco-card" data-i=${i}>${
                  template && fill
                    ? fill(template, item, ctx)
                    : defaultCard(item, {
                        ...ctx,
                        addLabel: this.addToCart === null ? null : this.addToCart || 'Add to cart',
                      })
                }</li>`,
            )
          : skeletonCards(limit, this.addToCart !== null)
      }
    </ul>`;
    return html`<section part="base" class="reco-base ${carousel ? 'reco-carousel' : 'reco-grid'}"
      aria-labelledby="heading" aria-busy=${!ready} style=${holdStyle}>
      <div class="reco-header">
        <h2 id="heading" part="heading" class="reco-heading"><slot name="heading">${this.heading}</slot></h2>
        ${carousel ? navigation(!ready || this.atStart, !ready || this.atEnd) : nothing}
      </div>
      ${this.#list(list)}
    </section>`;
  }
}
