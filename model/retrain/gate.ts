/**
 * The gate a candidate passes before it may serve: on the last 14 days, in views `all` and
 * `new`, its NDCG@10 is no worse than the serving model's beyond a relative tolerance, and in
 * view `all` it is at least twice popularity's. HR@10 and coverage are reported, not gated:
 * with a few hundred test customers they move with NDCG and add noise, not information.
 */
import type { EvaluationRow, View } from '../evaluation/evaluate-recommender.ts';

/** The gate's thresholds. */
export interface GateRules {
  /** Largest relative NDCG@10 loss against the serving model accepted (0.05 = 5 %). */
  tolerance: number;
  /** The candidate's NDCG@10 in view `all` must be at least this multiple of popularity's. */
  popularityMultiple: number;
}

/** The defaults the README states. */
export const defaultGateRules: GateRules = { tolerance: 0.05, popularityMultiple: 2 };

/** The metrics of one model in one view, as the report keeps them. */
export type ScoredRow = Pick<EvaluationRow, 'name' | 'view' | 'ndcg@10' | 'hr@10' | 'coverage' | 'users'>;

/** One check of the gate and its outcome. */
export interface GateCheck {
  rule: string;
  passed: boolean;
  /** The numbers the rule compared, in words. */
  detail: string;
}

/** The verdict: passed only when every check passed. */
export interface GateVerdict {
  passed: boolean;
  rules: GateRules;
  checks: GateCheck[];
}

const row = (rows: readonly ScoredRow[], name: string, view: View): ScoredRow => {
  const found = rows.find((r) => r.name === name && r.view === view);
  if (!found) throw new Error(`gate: no ${name} row in view ${view}`);
  return found;
};
const f = (x: number): string => x.toFixed(4);

/** Judges `candidate` against `serving` and `popularity` on the rows scored on the same test period. */
export function judge(rows: readonly ScoredRow[], rules: GateRules = defaultGateRules): GateVerdict {
  const checks: GateCheck[] = [];
  for (const view of ['all', 'new'] as const) {
    const candidate = row(rows, 'candidate', view);
    const serving = row(rows, 'serving', view);
    if (candidate.users === 0) {
      checks.push({ rule: `no worse than serving (${view})`, passed: true, detail: 'no customers in this view' });
      continue;
    }
    const floor = serving['ndcg@10'] * (1 - rules.tolerance);
    checks.push({
      rule: `no worse than serving (${view})`,
      passed: candidate['ndcg@10'] >= floor,
      detail: `NDCG@10 ${f(candidate['ndcg@10'])} vs serving ${f(serving['ndcg@10'])} (floor ${f(floor)})`,
    });
  }
  const candidate = row(rows, 'candidate', 'all');
  const popularity = row(rows, 'popularity', 'all');
  const needed = popularity['ndcg@10'] * rules.popularityMultiple;
  checks.push({
    rule: `≥ ${rules.popularityMultiple}× popularity (all)`,
    // A candidate that finds nothing does not beat a popularity that finds nothing either.
    passed: candidate['ndcg@10'] > 0 && candidate['ndcg@10'] >= needed,
    detail: `NDCG@10 ${f(candidate['ndcg@10'])} vs popularity ${f(popularity['ndcg@10'])} (needs ${f(needed)})`,
  });
  return { passed: checks.every((c) => c.passed), rules, checks };
}

/** The short table the CLI prints: one line per model and view, then each check. */
export function renderGateTable(rows: readonly ScoredRow[], verdict: GateVerdict): string {
  const pad = (s: string, n: number): string => s.padEnd(n);
  const lines = [
    `${pad('model', 12)}${pad('view', 6)}${pad('NDCG@10', 9)}${pad('HR@10', 9)}${pad('coverage', 10)}customers`,
  ];
  for (const r of rows)
    lines.push(
      `${pad(r.name, 12)}${pad(r.view, 6)}${pad(f(r['ndcg@10']), 9)}${pad(f(r['hr@10']), 9)}` +
        `${pad(f(r.coverage), 10)}${r.users}`,
    );
  for (const c of verdict.checks) lines.push(`${c.passed ? 'pass' : 'FAIL'}  ${c.rule}: ${c.detail}`);
  lines.push(`gate: ${verdict.passed ? 'PASSED' : 'REFUSED'} (tolerance ${verdict.rules.tolerance * 100} %)`);
  return lines.join('\n');
}
