import { fixture, oneEvent } from '@open-wc/testing';
import type { TemplateResult } from 'lit';
import type { RecoShelf } from '../reco-shelf/reco-shelf.ts';
import type { FakeProxy } from './fake-proxy.ts';
import { recoResponse } from './products.ts';

export const cards = (el: RecoShelf) =>
  Array.from(el.shadowRoot!.querySelectorAll<HTMLLIElement>('li.reco-card:not(.reco-skeleton)'));
export const $ = <T extends Element = HTMLElement>(el: RecoShelf, selector: string) =>
  el.shadowRoot!.querySelector<T>(selector);

/** Renders a shelf, answers its first request with `body` and waits for it to show. */
export async function loadedShelf(
  proxy: FakeProxy,
  template: TemplateResult,
  body: unknown = recoResponse(),
): Promise<RecoShelf> {
  const el = await fixture<RecoShelf>(template);
  const loaded = oneEvent(el, 'reco-load');
  (await proxy.nextCall()).respond(body);
  await loaded;
  await el.updateComplete;
  return el;
}

/** Two frames: IntersectionObserver and layout have both run for what is on screen now. */
export const frames = () => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
