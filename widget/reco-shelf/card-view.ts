import { html, nothing, type TemplateResult } from 'lit';
import { formatPrice } from './price-format.ts';
import { safeSrcset, safeUrl } from './safe-url.ts';
import type { CardContext } from './card-template.ts';
import type { RecoItem } from './types.ts';

export interface DefaultCardContext extends CardContext {
  /** Label of the add-to-cart button, or null when the storefront did not opt in. */
  addLabel: string | null;
}

/**
 * A catalog image of a default card that fails to load shows a neutral placeholder instead of a
 * broken icon (the shelf listens on its root; a `<template>` card's image has its own placeholder).
 */
export function onImageError(img: Element): void {
  const media = img.parentElement;
  if (img.localName === 'img' && media?.classList.contains('reco-media')) media.classList.add('reco-broken');
}

/**
 * The built-in card. Lit interpolation puts the untrusted title in text nodes and
 * attribute values, never in markup, so `<script>` or `<img onerror>` titles stay text.
 * The image's alt is empty because the title in the same link already names it: a
 * non-empty alt would make screen readers say every product twice.
 */
export function defaultCard(item: RecoItem, ctx: DefaultCardContext): TemplateResult {
  const href = safeUrl(item.url);
  const src = safeUrl(item.image);
  const srcset = safeSrcset(item.srcset);
  return html`<a part="link" class="reco-link" href=${href ?? nothing}>
      <span class="reco-media">${
        src
          ? html`<img
            part="image"
            src=${src}
            srcset=${srcset ?? nothing}
            sizes=${srcset ? 'auto, 200px' : nothing}
            alt=""
            width="176"
            height="176"
            loading="lazy"
            decoding="async"
          />`
          : html`<span class="reco-broken"></span>`
      }</span>
      <span part="title" class="reco-title">${item.title}</span>
    </a>
    <span part="price" class="reco-price">${formatPrice(item.price, ctx.locale, ctx.currency)}</span>
    ${
      ctx.addLabel === null
        ? nothing
        : html`<button
          part="button"
          class="reco-add"
          type="button"
          data-reco="add-to-cart"
          aria-label=${`${ctx.addLabel}: ${item.title}`}
        >
          ${ctx.addLabel}
        </button>`
    }`;
}

/** Placeholder cards with the exact box sizes of `defaultCard`, so swapping them never shifts. */
export function skeletonCards(count: number, withButton: boolean): TemplateResult[] {
  const card = html`<li class="reco-card reco-skeleton">
    <span class="reco-media"></span><span class="reco-title"></span><span class="reco-price"></span>
    ${withButton ? html`<span class="reco-add"></span>` : nothing}
  </li>`;
  return Array.from({ length: count }, () => card);
}

const chevron = (d: string) =>
  html`<svg viewBox="0 0 24 24" aria-hidden="true" fill="none" stroke="currentColor" stroke-width="2.2"
    stroke-linecap="round" stroke-linejoin="round"><path d=${d} /></svg>`;
const previousIcon = chevron('M15 5l-7 7 7 7');
const nextIcon = chevron('M9 5l7 7-7 7');

/**
 * The carousel's previous/next buttons. `aria-disabled` rather than `disabled` at the ends,
 * so a button does not drop keyboard focus the moment it reaches the end. The shelf's root listener pages.
 */
export function navigation(atStart: boolean, atEnd: boolean): TemplateResult {
  return html`<div part="navigation" class="reco-nav">
    <button part="nav-button" type="button" aria-label="Previous items" aria-controls="list"
      aria-disabled=${atStart}>${previousIcon}</button>
    <button part="nav-button" type="button" aria-label="Next items" aria-controls="list"
      aria-disabled=${atEnd}>${nextIcon}</button>
  </div>`;
}
