/**
 * The gate a candidate passes before it may serve. Every model in the comparison was fitted on
 * the same purchases, before the same cut-off, and scored on the same customers after it
 * (model/retrain/serving-at-cutoff.ts, gate-scoring.ts); the verdict reads the lower bound of a
 * paired bootstrap interval of the NDCG difference (@10, and @8 in view `served`), never a point estimate:
 *
 * - enough evidence: at least `minCustomers` test customers in every gated view, else the verdict
 *   is "not enough evidence" (neither passed nor refused; its own exit code);
 * - no worse than the serving configuration, in every gated view: the interval's lower bound of
 *   candidate − serving is at least −tolerance × serving's NDCG@10 (non-inferiority: the burden of
 *   proof is on the candidate, so a noisy tie on a small window is refused, not waved through);
 * - no worse than buy-again (views `all` and `served`; in `new` every past item is excluded and buy-again
 *   has nothing to say), by the same rule: a model that cannot match re-ordering is worse than the rule;
 * - better than popularity in every gated view: the lower bound of candidate − popularity is above 0.
 *
 * HR@10 and coverage are reported, not gated: they move with NDCG and add noise, not information.
 */
import { type BootstrapOptions, type PairedInterval, pairedBootstrap } from '../evaluation/bootstrap.ts';
import { cutoffOf, type EvaluationRow, type View } from '../evaluation/evaluate-recommender.ts';

/** The views the gate judges, in report order (one list: a view added here is gated everywhere). */
export const gateViews: readonly View[] = ['all', 'new', 'served'];

/** The gated views where buy-again is a comparator (in `new` every past item is excluded: it has nothing to say). */
export const buyAgainViews: readonly View[] = ['all', 'served'];

/** The gate's thresholds. */
export interface GateRules {
  /** Largest relative NDCG@10 loss against the serving model (and buy-again) accepted, at the interval's bound. */
  tolerance: number;
  /** Fewest test customers in every gated view for a verdict; below, "not enough evidence". */
  minCustomers: number;
  /** The paired bootstrap's settings (coverage 0.95: the lower bound is the 2.5th percentile). */
  bootstrap: BootstrapOptions;
}

/** The defaults the README states. */
export const defaultGateRules: GateRules = {
  tolerance: 0.05,
  minCustomers: 300,
  bootstrap: { resamples: 2000, seed: 1, level: 0.95 },
};

/** The names the gate compares; every scored set holds these in every gated view. */
export const gateModels = ['candidate', 'serving', 'buy-again', 'popularity'] as const;

/**
 * The metrics of one model in one view, as the report keeps them: the keys keep their `@10` names,
 * each taken at the view's k (`cutoffOf`: 8 in view `served`, the shelf's cards; 10 elsewhere).
 */
export type ScoredRow = Pick<EvaluationRow, 'name' | 'view' | 'ndcg@10' | 'hr@10' | 'coverage' | 'users'>;

/** One model in one view: its row and each test customer's NDCG at the view's k, in the view's fixed target order. */
export interface ScoredModel {
  row: ScoredRow;
  ndcgPerTarget: Float64Array;
}

/** One check of the gate and its outcome. */
export interface GateCheck {
  rule: string;
  passed: boolean;
  /** The numbers the rule compared, in words. */
  detail: string;
  /** candidate − comparator with its interval, when the rule compared two models. */
  difference?: PairedInterval;
}

/** `passed` and `refused` are decisions; `not-enough-evidence` is neither (the candidate is not shipped). */
export type GateOutcome = 'passed' | 'refused' | 'not-enough-evidence';

/** The verdict: passed only when there was enough evidence and every check passed. */
export interface GateVerdict {
  outcome: GateOutcome;
  passed: boolean;
  rules: GateRules;
  checks: GateCheck[];
}

const f = (x: number): string => x.toFixed(4);
const signed = (x: number): string => `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(4)}`;
const interval = (d: PairedInterval): string => `${signed(d.difference)} [${signed(d.low)}, ${signed(d.high)}]`;

function scored(models: readonly ScoredModel[], name: string, view: View): ScoredModel {
  const found = models.find((m) => m.row.name === name && m.row.view === view);
  if (!found) throw new Error(`gate: no ${name} row in view ${view}`);
  return found;
}

/** Judges the candidate against the serving model and the comparators, scored on the same customers. */
export function judge(models: readonly ScoredModel[], rules: GateRules = defaultGateRules): GateVerdict {
  const checks: GateCheck[] = [];
  for (const view of gateViews) {
    const users = scored(models, 'candidate', view).row.users;
    checks.push({
      rule: `≥ ${rules.minCustomers} test customers (${view})`,
      passed: users >= rules.minCustomers,
      detail: `${users} customers`,
    });
  }
  if (checks.some((c) => !c.passed)) return { outcome: 'not-enough-evidence', passed: false, rules, checks };
  const bound = (view: View, comparator: string, kind: 'no worse' | 'better'): void => {
    const candidate = scored(models, 'candidate', view);
    const other = scored(models, comparator, view);
    const difference = pairedBootstrap(candidate.ndcgPerTarget, other.ndcgPerTarget, rules.bootstrap);
    const floor = kind === 'better' ? 0 : -rules.tolerance * other.row['ndcg@10'];
    checks.push({
      rule: kind === 'better' ? `better than ${comparator} (${view})` : `no worse than ${comparator} (${view})`,
      passed: kind === 'better' ? difference.low > floor : difference.low >= floor,
      detail:
        `NDCG@${cutoffOf(view)} ${f(candidate.row['ndcg@10'])} vs ${f(other.row['ndcg@10'])}: ` +
        `difference ${interval(difference)}, ` +
        `lower bound must be ${kind === 'better' ? '>' : '≥'} ${signed(floor)}`,
      difference,
    });
  };
  for (const view of gateViews) {
    bound(view, 'serving', 'no worse');
    if (buyAgainViews.includes(view)) bound(view, 'buy-again', 'no worse');
    bound(view, 'popularity', 'better');
  }
  const passed = checks.every((c) => c.passed);
  return { outcome: passed ? 'passed' : 'refused', passed, rules, checks };
}

/** The verdict in the words the CLIs print. */
export const outcomeWords: Record<GateOutcome, string> = {
  passed: 'PASSED',
  refused: 'REFUSED',
  'not-enough-evidence': 'NOT ENOUGH EVIDENCE',
};

/**
 * The short table the CLIs print: one line per model and view (its metrics at the view's k), then each
 * check and the verdict.
 */
export function renderGateTable(rows: readonly ScoredRow[], verdict: GateVerdict): string {
  const pad = (s: string, n: number): string => s.padEnd(n);
  const lines = [
    `${pad('model', 12)}${pad('view', 8)}${pad('k', 4)}${pad('NDCG', 9)}${pad('HR', 9)}${pad('coverage', 10)}customers`,
  ];
  for (const r of rows)
    lines.push(
      `${pad(r.name, 12)}${pad(r.view, 8)}${pad(String(cutoffOf(r.view)), 4)}${pad(f(r['ndcg@10']), 9)}` +
        `${pad(f(r['hr@10']), 9)}${pad(f(r.coverage), 10)}${r.users}`,
    );
  for (const c of verdict.checks) lines.push(`${c.passed ? 'pass' : 'FAIL'}  ${c.rule}: ${c.detail}`);
  const { tolerance, bootstrap } = verdict.rules;
  lines.push(
    `gate: ${outcomeWords[verdict.outcome]} (tolerance ${tolerance * 100} % at the ${bootstrap.level * 100} % ` +
      `interval's lower bound, ${bootstrap.resamples} paired resamples)`,
  );
  return lines.join('\n');
}
