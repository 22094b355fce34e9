/**
 * The storefront's server-rendered pages. The shelf is embedded exactly as a
 * customer would embed it: one script tag, one `<reco-shelf>` element. The script is deferred: nothing waits for
 * it, a server-rendered shelf paints from the HTML alone, and it runs once the page is parsed, so every shelf on
 * the page connects in the same frame (one request) and a server-rendered one is whole when it adopts it.
 */
import type { CatalogProduct } from '../../data/catalog.ts';
import type { ArmFigures, ExperimentSummary } from '../../model/monitor/experiment.ts';
import type { DifferenceInterval, RateInterval } from '../../model/monitor/proportions.ts';
import { html, raw, type Raw } from './html.ts';
import { type IntervalRow, intervalChartSvg } from './interval-chart.ts';
import { weatherModes } from './weather.ts';

/** What every page needs to know. */
export interface PageContext {
  proxyUrl: string;
  customer: string | null;
  /** The signed-in customer's shopper token, signed by this server: the only way a shelf learns who it is for. */
  shopperToken: string | null;
  /** A guest's session with this shop (its own cookie), for every shelf when no one is signed in. */
  sessionId: string | null;
  /** The order just placed (its line count), to confirm on the basket page. */
  ordered?: number;
  customers: readonly string[];
  categories: readonly string[];
  cartCount: number;
  /** The cloud weather the runtime reports. */
  weather: string;
  /** Show each shelf's source, reason, variant and latency (`?debug=1`). */
  debug: boolean;
}

const money = (value: number): string => `£${value.toFixed(2)}`;

function shopper(ctx: PageContext): Raw {
  if (ctx.shopperToken) return html`shopper-token="${ctx.shopperToken}"`;
  return ctx.sessionId ? html`session-id="${ctx.sessionId}"` : raw('');
}

function layout(ctx: PageContext, title: string, body: Raw): string {
  const options = ctx.customers.map((c) =>
    c === ctx.customer
      ? html`<option value="${c}" selected>Customer ${c}</option>`
      : html`<option value="${c}">Customer ${c}</option>`,
  );
  return html`<!DOCTYPE html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<title>${title} | The Gift Emporium</title>
<link rel="stylesheet" href="/static/legacy.css">
<link rel="icon" href="/static/favicon.svg">
<script src="${ctx.proxyUrl}/reco-shelf.js" defer></script>
${ctx.debug ? html`<script src="/static/debug-overlay.js"></script>` : raw('')}
</head>
<body>
<div id="page">
  <div id="masthead">
    <form class="account" method="get" action="/login">
      Signed in as
      <select name="customer" id="customer">
        <option value="">Guest (anonymous)</option>
        ${options}
      </select>
      <button class="button" type="submit">Switch</button><br>
      <a href="/cart" style="color:#fff5e0">Basket (${ctx.cartCount})</a>
    </form>
    <h1>The Gift Emporium</h1>
    <div class="tagline">Unique all-occasion gifts &mdash; wholesale &amp; retail since 1998</div>
  </div>
  <div id="navbar"><a href="/">Home</a><a href="/cart">Basket</a><a
    href="/?offers=all">Special offers</a><a href="/monitor">Shop monitor</a></div>
  <table id="layout"><tr>
    <td id="sidebar"><b>Departments</b><ul>${ctx.categories.map((c) => html`<li>${c}</li>`)}</ul>
      <p class="notice">Free UK delivery on orders over £50!</p>
      ${weatherControl(ctx)}</td>
    <td id="content">${body}</td>
  </tr></table>
  <div id="footer">&copy; 2014 The Gift Emporium Ltd. &middot; <a
    href="/">Terms</a> &middot; Best viewed in 1024&times;768</div>
</div>
</body>
</html>`.html;
}

function weatherControl(ctx: PageContext): Raw {
  const buttons = weatherModes.map((mode) => {
    const current = mode === ctx.weather ? 'current' : '';
    const label = mode === 'slow' ? 'slow (1 s)' : mode;
    return html`<button type="submit" name="mode" value="${mode}" class="${current}">${label}</button>`;
  });
  const debugLink = ctx.debug ? raw('') : html` &middot; <a href="?debug=1">debug</a>`;
  return html`<form class="weather" id="weather" method="post" action="/demo/weather">
    <b>Cloud weather (demo)</b>
    ${buttons}
    <small>Now: <span id="weather-now">${ctx.weather}</span>${debugLink}</small>
  </form>`;
}

function offerTable(products: readonly CatalogProduct[]): Raw {
  const rows: CatalogProduct[][] = [];
  for (let i = 0; i < products.length; i += 4) rows.push(products.slice(i, i + 4));
  const cell = (p: CatalogProduct): Raw =>
    html`<td><a href="${p.url}"><img src="${p.image}" alt="${p.title}" width="140" height="140"></a><br><a
      href="${p.url}">${p.title}</a><br><span class="price">${money(p.price.value)}</span></td>`;
  return html`<table class="offers">${rows.map((row) => html`<tr>${row.map(cell)}</tr>`)}</table>`;
}

/**
 * The home page: a personalized shelf above the week's offers. `shelf` is the markup the server placed for it:
 * the proxy's server-rendered fragment, or the reserved space the script fills (see `server-shelves.ts`).
 */
export function homePage(ctx: PageContext, offers: readonly CatalogProduct[], shelf: Raw): string {
  const back = ctx.customer ? html` back, customer ${ctx.customer}` : raw('');
  return layout(
    ctx,
    'Home',
    html`
    <p class="notice">Welcome${back}! New season stock is in.</p>
    ${shelf}
    <h2>This week's offers</h2>
    ${offerTable(offers)}`,
  );
}

/** The home page's shelf, as the server asks the proxy for it. */
export const homeShelf = { id: 'home-shelf', placement: 'home', limit: 8, heading: 'Recommended for you' } as const;

/**
 * A product page with three shelves, rendered by the script: they connect in the same frame and load at once
 * (`loading="eager"`: the lower two would otherwise wait to come near the viewport and ask apart), so the element
 * asks for all three in one `POST /v1/shelves` (no product on two of them, the earlier shelf winning).
 */
export function productPage(ctx: PageContext, product: CatalogProduct): string {
  const disabled = product.inStock ? raw('') : raw('disabled');
  return layout(
    ctx,
    product.title,
    html`
    <table class="product-detail"><tr>
      <td class="picture"><img src="${product.image}" alt="${product.title}" width="400" height="400"></td>
      <td><h2>${product.title}</h2>
        <p>Item code: ${product.id} &middot; Department: ${product.category}</p>
        <p class="price">${money(product.price.value)}</p>
        <p>${product.inStock ? 'In stock — ships in 2 working days' : 'Sorry, currently out of stock'}</p>
        <form method="post" action="/cart/add"><input type="hidden" name="id" value="${product.id}">
          <button class="button" id="add-to-basket" type="submit" ${disabled}>Add to basket</button></form></td>
    </tr></table>
    <reco-shelf id="product-shelf" placement="product" ${shopper(ctx)} items="${product.id}" limit="6"
      loading="eager" heading="Bought together"></reco-shelf>
    <reco-shelf id="new-in-shelf" placement="new-in" ${shopper(ctx)} items="${product.id}" limit="6"
      loading="eager" heading="New in"></reco-shelf>
    <reco-shelf id="recommended-shelf" placement="home" ${shopper(ctx)} items="${product.id}" limit="6"
      loading="eager" heading="Recommended for you"></reco-shelf>`,
  );
}

/** The basket with its "Complete your order" shelf. */
export function cartPage(
  ctx: PageContext,
  lines: ReadonlyArray<{ product: CatalogProduct; quantity: number }>,
): string {
  const total = lines.reduce((sum, l) => sum + l.product.price.value * l.quantity, 0);
  const lineRows = lines.map(
    (l) =>
      html`<tr><td><a href="${l.product.url}">${l.product.title}</a></td><td>${l.quantity}</td><td
        class="price">${money(l.product.price.value * l.quantity)}</td></tr>`,
  );
  const placed = ctx.ordered
    ? html`<p id="order-placed">Thank you: your order of ${ctx.ordered} product(s) is placed.</p>`
    : raw('');
  const items = lines.map((l) => l.product.id).join(',');
  return layout(
    ctx,
    'Your basket',
    html`
    <h2>Your basket</h2>
    ${
      lines.length === 0
        ? html`<p>Your basket is empty.</p>`
        : html`<table class="cart"><tr><th>Item</th><th>Qty</th><th>Price</th></tr>
      ${lineRows}
      <tr><td colspan="2"><b>Total</b></td><td class="price">${money(total)}</td></tr></table>
      <form method="post" action="/checkout"><button type="submit" id="place-order">Place order</button></form>`
    }
    ${placed}
    <reco-shelf id="cart-shelf" placement="cart" ${shopper(ctx)} items="${items}" limit="6"
      heading="Complete your order"></reco-shelf>`,
  );
}

/** A plain not-found page. */
export function notFoundPage(ctx: PageContext): string {
  return layout(ctx, 'Not found', html`<h2>Page not found</h2><p><a href="/">Back to the shop</a></p>`);
}

/** What the shop monitor shows, already computed. */
export interface MonitorFigures {
  bySource: ReadonlyArray<[source: string, requests: number]>;
  /** Share of answers that fell back, among those not held out by design. */
  fallbackRate: number | null;
  /** Answers served the rules because the shopper is in the holdout. */
  holdoutAnswers: number;
  byReason: ReadonlyArray<[reason: string, requests: number]>;
  upstreamP50: number | null;
  upstreamP95: number | null;
  clickThrough: ReadonlyArray<{ source: string; impressions: number; clicks: number }>;
  /** Model answers per production variant (champion, challenger), and each one's share of them. */
  byVariant: ReadonlyArray<{ variant: string; answers: number; share: number }>;
  breaker: string;
  /** Model arm vs holdout, per arm and variant. */
  experiment: ExperimentSummary;
}

const percent = (value: number | null): string => (value === null ? '–' : `${(value * 100).toFixed(1)} %`);
const millis = (seconds: number | null): string =>
  seconds === null ? '–' : seconds === Infinity ? '> 5 s' : `≤ ${Math.round(seconds * 1000)} ms`;

const interval = (r: RateInterval | null): string =>
  r === null ? '–' : `${percent(r.rate)} (${percent(r.low)} … ${percent(r.high)})`;
const points = (value: number): string => `${value >= 0 ? '+' : '−'}${Math.abs(value * 100).toFixed(1)} pp`;
const lift = (d: DifferenceInterval | null): string =>
  d === null ? '–' : `${points(d.difference)} (${points(d.low)} … ${points(d.high)})`;
const armLabel = (r: ArmFigures): string => (r.variant === null ? r.arm : `${r.arm} · ${r.variant}`);
const rateRow = (label: string, r: RateInterval | null): IntervalRow =>
  r === null ? { label, value: null, low: null, high: null } : { label, value: r.rate, low: r.low, high: r.high };
const liftRow = (label: string, d: DifferenceInterval | null): IntervalRow =>
  d === null ? { label, value: null, low: null, high: null } : { label, value: d.difference, low: d.low, high: d.high };

/** The experiment's charts: each rate per arm and variant, and the lift, each with its 95 % interval. */
function experimentCharts(e: ExperimentSummary): Raw {
  const asPercent = (v: number): string => `${(v * 100).toFixed(1)} %`;
  return raw(
    [
      intervalChartSvg({
        id: 'ctr-chart',
        title: 'Click-through per impression (95 % interval)',
        rows: e.rows.map((r) => rateRow(armLabel(r), r.clickThrough)),
        format: asPercent,
      }),
      intervalChartSvg({
        id: 'atc-chart',
        title: 'Add-to-cart per impression (95 % interval)',
        rows: e.rows.map((r) => rateRow(armLabel(r), r.addToCart)),
        format: asPercent,
      }),
      intervalChartSvg({
        id: 'lift-chart',
        title: 'Lift of the model arm over the holdout (95 % interval)',
        rows: [liftRow('click-through', e.lift.clickThrough), liftRow('add-to-cart', e.lift.addToCart)],
        format: points,
        zeroLine: true,
      }),
    ].join('\n'),
  );
}

/** The shop monitor: the model in production, in miniature; refreshes itself every 5 s. */
export function monitorPage(ctx: PageContext, m: MonitorFigures): string {
  const reasonRows = m.byReason.map(([r, n]) => html`<tr><td>${r}</td><td>${n}</td></tr>`);
  const ctrRows = m.clickThrough.map((c) => {
    const rate = c.impressions ? c.clicks / c.impressions : null;
    return html`<tr><td>${c.source}</td><td>${c.impressions}</td><td>${c.clicks}</td><td>${percent(rate)}</td></tr>`;
  });
  const armRows = m.experiment.rows.map(
    (r) =>
      html`<tr><td>${armLabel(r)}</td><td>${r.impressions}</td><td>${r.clicks}</td><td>${interval(r.clickThrough)}</td>
        <td>${r.addToCarts}</td><td>${interval(r.addToCart)}</td></tr>`,
  );
  return layout(
    ctx,
    'Shop monitor',
    html`
    <h2>Shop monitor</h2>
    <p>Live from the recommendation proxy's <code>/metrics</code>. Circuit breaker: <b
      id="breaker">${m.breaker}</b>.</p>
    <table class="monitor" id="by-source"><tr><th>Answer source</th><th>Requests</th></tr>
      ${m.bySource.map(([s, n]) => html`<tr><td>${s}</td><td>${n}</td></tr>`)}
      <tr><td><b>Fallback rate</b></td><td id="fallback-rate">${percent(m.fallbackRate)}</td></tr>
      <tr><td>Held out by design</td><td id="holdout-answers">${m.holdoutAnswers}</td></tr></table>
    <h2>Why the fallback answered</h2>
    <table class="monitor" id="by-reason"><tr><th>Reason</th><th>Requests</th></tr>${reasonRows}</table>
    <h2>Cloud latency (model answers)</h2>
    <table class="monitor"><tr><th>p50</th><th>p95</th></tr><tr><td
      id="upstream-p50">${millis(m.upstreamP50)}</td><td>${millis(m.upstreamP95)}</td></tr></table>
    <h2>Model answers by production variant</h2>
    <table class="monitor" id="by-variant"><tr><th>Variant</th><th>Answers</th><th>Share</th></tr>
      ${m.byVariant.map(
        (v) => html`<tr><td>${v.variant}</td><td>${v.answers}</td><td>${percent(v.share)}</td></tr>`,
      )}</table>
    <h2>Click-through by source</h2>
    <table class="monitor" id="ctr"><tr><th>Source</th><th>Impressions</th><th>Clicks</th><th>CTR</th></tr>
      ${ctrRows}</table>
    <h2>Model vs holdout</h2>
    <p>Shoppers are assigned to an arm by a hash of their id (<code>RECO_HOLDOUT_PERCENT</code>); the holdout
      gets the rules even while the cloud is healthy. Each arm counts every shelf its shoppers saw, whatever served
      it, so the comparison stays randomised. Intervals: Wilson (rates), Newcombe (lift); impressions are treated as
      independent, so they are somewhat narrow.</p>
    <table class="monitor" id="experiment"><tr><th>Arm · variant</th><th>Impressions</th><th>Clicks</th>
      <th>Click-through</th><th>Add to cart</th><th>Add-to-cart rate</th></tr>
      ${armRows}
      <tr><td><b>Lift (model − holdout)</b></td><td></td><td></td>
        <td id="lift-ctr">${lift(m.experiment.lift.clickThrough)}</td><td></td>
        <td id="lift-atc">${lift(m.experiment.lift.addToCart)}</td></tr></table>
    <div id="experiment-charts">${experimentCharts(m.experiment)}</div>`,
  );
}
