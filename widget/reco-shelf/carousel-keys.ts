const FOCUSABLE = 'a[href], button, [tabindex]:not([tabindex="-1"])';

/**
 * Arrow keys, Home and End move focus between cards of the list (one card a press).
 * Focusing a card scrolls it into view, where scroll-snap aligns it.
 */
export function moveFocus(e: KeyboardEvent): void {
  const list = (e.target as Element).closest('.reco-list');
  if (!list) return;
  const cards = Array.from(list.children);
  const current = cards.findIndex((card) => card.contains(e.target as Node));
  if (current < 0) return;
  const next: Record<string, number> = {
    ArrowRight: current + 1,
    ArrowDown: current + 1,
    ArrowLeft: current - 1,
    ArrowUp: current - 1,
    Home: 0,
    End: cards.length - 1,
  };
  const target = next[e.key];
  if (target === undefined) return;
  const card = cards[Math.max(0, Math.min(cards.length - 1, target))];
  const focusable = card?.querySelector<HTMLElement>(FOCUSABLE);
  if (!focusable) return;
  e.preventDefault();
  focusable.focus();
}

/** Whether the list is scrolled to its start and to its end (1px slack for subpixel widths). */
export function scrollEdges(list: HTMLElement): [boolean, boolean] {
  const left = Math.abs(list.scrollLeft);
  return [left <= 1, left + list.clientWidth >= list.scrollWidth - 1];
}
