import { css } from 'lit';

/*
 * Sizes are in px on purpose: legacy pages often set `html { font-size: 62.5% }`, and the
 * skeleton must match the loaded shelf to the pixel (no layout shift). The default carousel
 * is exactly 326px tall: header 40 + 12, list 4 + card 266 + 4 (+44 with add-to-cart). README documents it.
 * Every class is `reco-` prefixed and no rule selects bare elements, so a storefront's
 * `<template>` card (class="price", a <button>) is styled only by its own CSS.
 */
export const styles = css`
  :host {
    /* Page rules such as '* { display: inline !important }' reach the host; inner !important wins. */
    display: block !important;
    /* inline-size: a table cell or flex item must not grow to the carousel's full scroll width. */
    contain: inline-size layout style;
  }
  :host([hidden]) {
    display: none !important;
  }
  .reco-base {
    box-sizing: border-box;
    font: 400 14px/20px var(--reco-font, system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif);
    color: var(--reco-color, #1f2328);
    text-align: start;
    letter-spacing: normal;
    word-spacing: normal;
    text-transform: none;
    white-space: normal;
    visibility: visible;
  }
  *,
  *::before,
  *::after {
    box-sizing: inherit;
  }
  .reco-header {
    display: flex;
    align-items: center;
    justify-content: space-between;
    gap: 12px;
    height: 40px;
    margin: 0 0 12px;
    padding: 0 4px;
  }
  .reco-heading {
    margin: 0;
    font-size: 20px;
    font-weight: 600;
    line-height: 28px;
    overflow: hidden;
    white-space: nowrap;
    text-overflow: ellipsis;
  }
  .reco-nav {
    display: flex;
    gap: 8px;
    flex: none;
  }
  .reco-nav button,
  .reco-add {
    font: inherit;
    cursor: pointer;
    margin: 0;
  }
  .reco-nav button {
    display: grid;
    place-items: center;
    width: 36px;
    height: 36px;
    padding: 0;
    border: 1px solid var(--reco-border-color, #d8d7d0);
    border-radius: 50%;
    background: var(--reco-card-background, #fff);
    color: inherit;
  }
  .reco-nav button[aria-disabled='true'] {
    opacity: 0.35;
    cursor: default;
  }
  .reco-nav svg {
    width: 18px;
    height: 18px;
  }
  :focus-visible {
    outline: 2px solid var(--reco-accent, #0b6e4f);
    outline-offset: 2px;
  }
  .reco-list {
    display: grid;
    gap: var(--reco-gap, 16px);
    margin: 0;
    padding: 4px;
    list-style: none;
  }
  .reco-carousel .reco-list {
    grid-auto-flow: column;
    grid-auto-columns: var(--reco-card-width, 176px);
    overflow-x: auto;
    overscroll-behavior-x: contain;
    scroll-snap-type: x mandatory;
    /* Snap cards to the list's 4px padding, not its border: else the first snap scrolls by 4px. */
    scroll-padding-inline: 4px;
    scrollbar-width: none;
  }
  .reco-carousel .reco-list::-webkit-scrollbar {
    display: none;
  }
  .reco-grid .reco-list {
    grid-template-columns: repeat(auto-fill, minmax(min(var(--reco-card-width, 176px), 100%), 1fr));
  }
  .reco-card {
    position: relative;
    display: flex;
    flex-direction: column;
    min-width: 0;
    overflow: hidden;
    scroll-snap-align: start;
    border: 1px solid var(--reco-border-color, #e4e3dc);
    border-radius: var(--reco-radius, 10px);
    background: var(--reco-card-background, #fff);
  }
  .reco-link {
    display: flex;
    flex-direction: column;
    color: inherit;
    text-decoration: none;
    border-radius: inherit;
  }
  .reco-link:focus-visible {
    outline-offset: -2px;
  }
  .reco-media {
    position: relative;
    display: block;
    aspect-ratio: 1;
    background: var(--reco-image-background, #f4f3ee);
  }
  .reco-media img {
    position: absolute;
    inset: 0;
    display: block;
    width: 100%;
    height: 100%;
    max-width: none;
    object-fit: contain;
  }
  .reco-broken img {
    visibility: hidden;
  }
  .reco-broken::after {
    content: '';
    position: absolute;
    inset: 35%;
    border: 3px solid var(--reco-skeleton-color, #dcdad2);
    border-radius: 8px;
  }
  .reco-title {
    display: -webkit-box;
    height: 40px;
    margin: 10px 12px 6px;
    overflow: hidden;
    overflow-wrap: anywhere;
    -webkit-box-orient: vertical;
    -webkit-line-clamp: 2;
  }
  .reco-link:hover .reco-title {
    text-decoration: underline;
  }
  .reco-price {
    display: block;
    height: 22px;
    margin: 0 12px 12px;
    font-size: 16px;
    font-weight: 600;
    line-height: 22px;
    color: var(--reco-price-color, inherit);
  }
  .reco-add {
    height: 36px;
    margin: -4px 12px 12px;
    padding: 0 12px;
    border: 0;
    border-radius: calc(var(--reco-radius, 10px) - 4px);
    background: var(--reco-accent, #0b6e4f);
    color: var(--reco-accent-contrast, #fff);
    font-weight: 600;
  }
  .reco-skeleton .reco-media,
  .reco-skeleton .reco-title,
  .reco-skeleton .reco-price,
  .reco-skeleton .reco-add {
    background: var(--reco-skeleton-color, #eceae3);
    border-radius: 6px;
  }
  .reco-skeleton .reco-media {
    border-radius: 0;
  }
  .reco-skeleton .reco-price {
    width: 40%;
  }
  .reco-skeleton .reco-title {
    width: 80%;
  }
  @media (prefers-reduced-motion: no-preference) {
    .reco-list {
      scroll-behavior: smooth;
    }
    .reco-skeleton {
      animation: shimmer 1.4s ease-in-out infinite;
    }
  }
  @keyframes shimmer {
    50% {
      opacity: 0.55;
    }
  }
`;
