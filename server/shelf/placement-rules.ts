/**
 * Placement rules: per placement the latency budget, shelf size, ordered
 * fallback chain and business filters, read from one JSON file.
 */
import { z } from 'zod';
import { itemIdPattern, placementPattern, placementRule } from '../../contracts/ids.ts';
import { maxShelfSize } from '../../contracts/shelf-answer.ts';
import { merchandisingFields } from './placement-merchandising.ts';

/** The fallbacks a placement's chain may list, walked in its order. */
export const fallbackNames = [
  'last-model-answer',
  'bought-together',
  'category-best-sellers',
  'best-sellers',
  'new-arrivals',
  'pinned',
] as const;
/** The business filters a placement may apply. */
export const filterNames = ['in-stock', 'exclude-context', 'exclude-recently-bought', 'no-duplicates'] as const;

export type FallbackName = (typeof fallbackNames)[number];
export type FilterName = (typeof filterNames)[number];

const productId = z.string().regex(itemIdPattern, 'must be a product id');

const placementFields = z.strictObject({
  budgetMs: z.number().int().min(10).max(5000),
  limit: z.number().int().min(1).max(maxShelfSize),
  /** How many more ids than shown to ask the model for, so filters can drop some. */
  overfetch: z.number().min(1).max(10),
  fallback: z.array(z.enum(fallbackNames)).min(1),
  filters: z.array(z.enum(filterNames)),
  recentlyBoughtDays: z.number().int().min(0).max(365),
  pinned: z.array(productId).max(100),
  /** `false` is the operator's kill switch: the rules answer alone (reason `disabled`), no cloud, no cached answer. */
  model: z.boolean(),
  /**
   * What this placement may show at all, whoever fills it (the model's answer and every
   * fallback alike): products first sold within N days of the catalog's last day, or of one
   * category. Give the model room with a larger `overfetch`.
   */
  only: z
    .strictObject({
      firstSoldWithinDays: z.number().int().min(1).max(3650).optional(),
      category: z.string().min(1).max(64).optional(),
    })
    .optional(),
  /** A merchandiser's pins, boosts, buries and hides (placement-merchandising.ts): per placement only. */
  ...merchandisingFields,
});

/** The fields only a placement may set, never the defaults. */
const perPlacementOnly = { pin: true, boost: true, bury: true, hide: true } as const;

const rulesFileSchema = z.strictObject({
  /** `false` turns the model off for every placement, whatever each says. */
  model: z.boolean().optional(),
  defaults: placementFields.omit(perPlacementOnly).partial({ pinned: true, model: true }),
  placements: z.record(
    z.string().regex(placementPattern, `placement names are ${placementRule}`),
    placementFields.partial(),
  ),
});

/** One placement's rules, with the defaults filled in. */
export type PlacementRules = z.infer<typeof placementFields> & { name: string };

/** All placements, plus the rules an unknown placement gets. */
export interface RuleBook {
  placements: ReadonlyMap<string, PlacementRules>;
  defaults: PlacementRules;
}

/** Rules for `name`, and whether the placement is one the file names. */
export function rulesFor(book: RuleBook, name: string): { rules: PlacementRules; known: boolean } {
  const rules = book.placements.get(name);
  return rules ? { rules, known: true } : { rules: { ...book.defaults, name }, known: false };
}

/** A rules file that is not valid: the message names the rule at fault. */
export class InvalidPlacementRulesError extends Error {
  override name = 'InvalidPlacementRulesError';
}

/** A key's path as a person reads it: `placements.home.pin[1].position`. */
function pathOf(path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (text, key) => (typeof key === 'number' ? `${text}[${key}]` : text ? `${text}.${String(key)}` : String(key)),
    '',
  );
}

/**
 * Validates a parsed rules file; the error names the bad key's path (a list's entries counted from 0),
 * e.g. `placements.home.budgetMs: Too small: expected number to be >=10` or
 * `placements.home.pin[1].position: Too small: expected number to be >=1`.
 */
export function parseRuleBook(json: unknown): RuleBook {
  const parsed = rulesFileSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new InvalidPlacementRulesError(`placements: ${pathOf(issue.path) || '(root)'}: ${issue.message}`);
  }
  const noMerchandising = { pin: [], boost: [], bury: [], hide: [] };
  const defaults: PlacementRules = { pinned: [], model: true, ...noMerchandising, ...parsed.data.defaults, name: '' };
  const allOff = parsed.data.model === false ? { model: false } : {};
  const placements = new Map<string, PlacementRules>();
  for (const [name, fields] of Object.entries(parsed.data.placements)) {
    placements.set(name, { ...defaults, ...fields, ...allOff, name });
  }
  Object.assign(defaults, allOff);
  return { placements, defaults };
}
