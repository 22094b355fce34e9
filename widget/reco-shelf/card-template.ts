import { formatPrice } from './price-format.ts';
import { safeSrcset, safeUrl } from './safe-url.ts';
import type { RecoItem } from './types.ts';

export interface CardContext {
  locale: string | undefined;
  currency: string | undefined;
}

/**
 * Clones a storefront's `<template>` for one item and fills the nodes marked `data-reco`.
 * The template is the storefront's own (trusted) markup; the item is not, so values only
 * ever land in `textContent` or in URL attributes that passed `safeUrl`. A `<style>` in the
 * template comes along into each card (the shadow root keeps page CSS out, and card CSS in);
 * the shelf's own rules select only `reco-` classes, so they never reach the template's markup.
 */
export function fillTemplate(template: HTMLTemplateElement, item: RecoItem, ctx: CardContext): HTMLElement {
  const root = document.createElement('div');
  root.className = 'reco-custom';
  root.append(template.content.cloneNode(true));
  for (const el of root.querySelectorAll<HTMLElement>('[data-reco]')) {
    const field = el.dataset.reco;
    if (field === 'url') {
      const href = safeUrl(item.url);
      if (href) el.setAttribute('href', href);
      else el.removeAttribute('href');
    } else if (field === 'image' && el instanceof HTMLImageElement) {
      bindImage(el, item);
    } else if (field === 'price') {
      el.textContent = formatPrice(item.price, ctx.locale, ctx.currency);
    } else if (field === 'title' || field === 'category' || field === 'id') {
      el.textContent = item[field] ?? '';
    }
  }
  return root;
}

const filled = new WeakMap<RecoItem, HTMLElement>();

/** `fillTemplate`, once per item object: re-renders must hand Lit the same node back. */
export function templateCard(template: HTMLTemplateElement, item: RecoItem, ctx: CardContext): HTMLElement {
  let card = filled.get(item);
  if (!card) filled.set(item, (card = fillTemplate(template, item, ctx)));
  return card;
}

/**
 * A template image that fails (or has no safe URL) becomes the default card's placeholder, at
 * the size the template gave the image (else the default card's 176px square), so a broken
 * image can neither collapse nor grow and push the title and price out of the card.
 */
function showPlaceholder(img: HTMLImageElement): void {
  const width = Number(img.getAttribute('width')) || 176;
  const height = Number(img.getAttribute('height')) || width;
  const box = document.createElement('span');
  box.className = 'reco-media reco-broken';
  box.style.cssText = `width:${width}px;max-width:100%;aspect-ratio:${width}/${height}`;
  img.replaceWith(box);
}

function bindImage(img: HTMLImageElement, item: RecoItem): void {
  img.addEventListener('error', () => showPlaceholder(img));
  img.loading = 'lazy';
  img.decoding = 'async';
  img.alt = item.title;
  const srcset = safeSrcset(item.srcset);
  if (srcset) {
    img.srcset = srcset;
    img.sizes = 'auto, 200px';
  }
  const src = safeUrl(item.image);
  if (src) img.src = src;
  else showPlaceholder(img);
}
