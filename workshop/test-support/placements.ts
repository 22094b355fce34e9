/** Placement rules for tests: the shipped rules with every budget set to one value. */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The budget tests give a placement when the budget is not their subject: wide enough that
 * a model call waiting for a core on two busy cores still counts as answered, and still
 * well under the 2 s hard cap, so a hung cloud is told apart.
 */
export const answeredNotHungBudgetMs = 1000;

/** Writes the shipped placement rules with every budget `budgetMs` into `dir`; returns the file. */
export function placementsWithBudget(dir: string, budgetMs: number): string {
  const rules = JSON.parse(readFileSync(new URL('../../server/placements.json', import.meta.url), 'utf8')) as {
    defaults: { budgetMs: number };
    placements: Record<string, { budgetMs?: number }>;
  };
  rules.defaults.budgetMs = budgetMs;
  for (const placement of Object.values(rules.placements)) placement.budgetMs = budgetMs;
  const path = join(dir, `placements-${budgetMs}ms.json`);
  writeFileSync(path, JSON.stringify(rules));
  return path;
}
