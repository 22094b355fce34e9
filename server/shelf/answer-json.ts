/**
 * A shelf answer's JSON text, byte for byte what `JSON.stringify(answer)` gives, with each card's
 * text made once. A card (an item with its `reason`, shelf-builder.ts `withReason`) is frozen and
 * shared by every answer that shows it, and its product's fields never change (a new catalog makes
 * new cards), so its text is the same every time: most of an answer's bytes are serialised once,
 * not once an answer. The answer's own fields are written from the answer object, in its order:
 * its shape is defined once, where it is built (shelf-service.ts).
 */
import type { ShelfItem } from './catalog-index.ts';
import type { RecommendationAnswer } from './shelf-service.ts';

/** A shelf of `POST /v1/shelves`: an answer, and its server-rendered fragment when asked for. */
export type ShelfAnswer = RecommendationAnswer & { html?: string };

const cardTexts = new WeakMap<ShelfItem, string>();

/** A card's text: remembered for a frozen (shared) card, made afresh for any other. */
function cardJson(item: ShelfItem): string {
  let text = cardTexts.get(item);
  if (text === undefined) {
    text = JSON.stringify(item);
    if (Object.isFrozen(item)) cardTexts.set(item, text);
  }
  return text;
}

/** `JSON.stringify(answer)`, the cards' texts reused. */
export function answerJson(answer: ShelfAnswer): string {
  let text = '{';
  for (const key of Object.keys(answer) as Array<keyof ShelfAnswer>) {
    const value = answer[key];
    // As JSON.stringify: a field set to undefined is left out.
    if (value === undefined) continue;
    if (text.length > 1) text += ',';
    text += `${JSON.stringify(key)}:`;
    if (key === 'items') {
      const items = value as ShelfItem[];
      text += '[';
      for (let i = 0; i < items.length; i++) text += i === 0 ? cardJson(items[i]!) : `,${cardJson(items[i]!)}`;
      text += ']';
    } else text += JSON.stringify(value);
  }
  return `${text}}`;
}

/** `JSON.stringify({ shelves })`, the answer of `POST /v1/shelves`, the cards' texts reused. */
export function shelvesJson(shelves: readonly ShelfAnswer[]): string {
  let text = '{"shelves":[';
  for (let i = 0; i < shelves.length; i++) text += i === 0 ? answerJson(shelves[i]!) : `,${answerJson(shelves[i]!)}`;
  return `${text}]}`;
}
