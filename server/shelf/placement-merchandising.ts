/**
 * A merchandiser's rules for one placement: pin a product to a position, boost or bury a category or a
 * product by a number of places, hide a product or a category, each for a time window. They apply after
 * the filters, to the model's shelf and the fallbacks' alike (shelf-builder.ts), judged at the clock the
 * builder is given, so a window opens and closes without an edit.
 */
import { z } from 'zod';
import { itemIdPattern } from '../../contracts/ids.ts';
import { maxShelfSize } from '../../contracts/shelf-answer.ts';

const productId = z.string().regex(itemIdPattern, 'must be a product id');
const category = z.string().min(1).max(64);
/** An instant with its offset (`2026-12-24T00:00:00Z`, `2026-12-24T00:00:00+01:00`): never a local time. */
const instant = z.iso.datetime({
  offset: true,
  error: 'must be a date-time with its offset, e.g. 2026-12-24T00:00:00Z',
});
/** How many places a boost or bury moves a product: up to a whole shelf. */
const weight = z.number().int().min(1).max(maxShelfSize);

/** `from` before `until`, when both are given. */
const windowInOrder = (rule: { from?: string | undefined; until?: string | undefined }): boolean =>
  rule.from === undefined || rule.until === undefined || Date.parse(rule.from) < Date.parse(rule.until);
const windowMessage = { message: '"from" must be before "until"', path: ['until'] };
/** Exactly one of `itemId` and `category`. */
const oneTarget = (rule: { itemId?: string | undefined; category?: string | undefined }): boolean =>
  (rule.itemId === undefined) !== (rule.category === undefined);
const targetMessage = { message: 'give either "itemId" or "category", not both' };

const pinRule = z
  .strictObject({
    itemId: productId,
    position: z.number().int().min(1).max(maxShelfSize),
    from: instant.optional(),
    until: instant.optional(),
  })
  .refine(windowInOrder, windowMessage);
const weightRule = z
  .strictObject({
    itemId: productId.optional(),
    category: category.optional(),
    weight,
    from: instant.optional(),
    until: instant.optional(),
  })
  .refine(oneTarget, targetMessage)
  .refine(windowInOrder, windowMessage);
const hideRule = z
  .strictObject({ itemId: productId.optional(), category: category.optional(), until: instant.optional() })
  .refine(oneTarget, targetMessage);

/** The merchandising fields of a placement's rules (each optional in the file, empty when absent). */
export const merchandisingFields = {
  /** Products put at a position (1 = the first card). */
  pin: z.array(pinRule).max(maxShelfSize),
  /** Products or categories moved `weight` places earlier. */
  boost: z.array(weightRule).max(100),
  /** Products or categories moved `weight` places later. */
  bury: z.array(weightRule).max(100),
  /** Products or categories never shown on this placement (until `until`, when given). */
  hide: z.array(hideRule).max(500),
};

export type PinRule = z.infer<typeof pinRule>;
export type WeightRule = z.infer<typeof weightRule>;
export type HideRule = z.infer<typeof hideRule>;

/** The fields a merchandiser's rules add to a placement. */
export interface Merchandising {
  pin: PinRule[];
  boost: WeightRule[];
  bury: WeightRule[];
  hide: HideRule[];
}

/** The rules in force at one instant, ready to apply. */
export interface ActiveMerchandising {
  /** The pins in force, in the file's order (an earlier pin wins a contested position). */
  pins: PinRule[];
  isHidden(id: string, category: string): boolean;
  /** Places a product moves up (positive) or down (negative). */
  shift(id: string, category: string): number;
  /** True when boosts or buries are in force: the builder then ranks a wider pool. */
  reorders: boolean;
}

const inForce = (rule: { from?: string | undefined; until?: string | undefined }, now: number): boolean =>
  (rule.from === undefined || Date.parse(rule.from) <= now) &&
  (rule.until === undefined || now < Date.parse(rule.until));

/** The rules of `merchandising` in force at `now` (ms since the epoch); undefined when none is. */
export function activeMerchandising(merchandising: Merchandising, now: number): ActiveMerchandising | undefined {
  const { pin, boost, bury, hide } = merchandising;
  if (pin.length + boost.length + bury.length + hide.length === 0) return undefined;
  const pins = pin.filter((r) => inForce(r, now));
  const hides = hide.filter((r) => inForce(r, now));
  const weights = [
    ...boost.filter((r) => inForce(r, now)).map((r) => ({ rule: r, sign: 1 })),
    ...bury.filter((r) => inForce(r, now)).map((r) => ({ rule: r, sign: -1 })),
  ];
  if (pins.length + hides.length + weights.length === 0) return undefined;
  const matches = (rule: { itemId?: string | undefined; category?: string | undefined }, id: string, cat: string) =>
    rule.itemId === id || rule.category === cat;
  return {
    pins,
    isHidden: (id, cat) => hides.some((r) => matches(r, id, cat)),
    shift: (id, cat) =>
      weights.reduce((sum, { rule, sign }) => sum + (matches(rule, id, cat) ? sign * rule.weight : 0), 0),
    reorders: weights.length > 0,
  };
}
