/**
 * The ways `npm run retrain` stops on purpose, each with its own exit code so a scheduler
 * can tell "nothing new to learn" from "the data is broken" from "the candidate was refused" from
 * "too few customers to tell". `npm run gate` ends with the same codes.
 */

/** Exit codes of `npm run retrain`, documented in model/README.md. */
export const retrainExitCodes = {
  /** Bad options or environment. */
  usage: 2,
  /** No purchase events, or none newer than what the serving model was trained on. */
  noNewEvents: 3,
  /** The last 14 days hold nothing either model could be scored on (e.g. only items never sold before). */
  nothingToScore: 4,
  /** The serving artifact cannot be read, so there is nothing to compare the candidate with. */
  servingArtifactUnreadable: 5,
  /** A data file is torn: a truncated gzip, a cut record, an unclosed quote, a wrong header. */
  tornData: 6,
  /** The candidate container (`--candidate-url`) did not answer `/invocations` as the contract says. */
  candidateFailed: 9,
  /** `npm run events:export`, run by the retrain, failed (its own message says why). */
  exportFailed: 8,
  /** `--promote`: the local runtime or the challenger container did not take the new model. */
  promotionFailed: 7,
  /** The gate refused the candidate; the report says why. */
  gateRefused: 10,
  /** Too few test customers for the gate to decide either way: nothing shipped, nothing refused. */
  notEnoughEvidence: 11,
  /** The serving model can be neither re-fitted at the cut-off nor trusted as is (its data reaches the window). */
  servingNotComparable: 12,
} as const;

/** A reason `npm run retrain` stops, with the exit code the CLI ends with; the serving model is untouched. */
export class RetrainError extends Error {
  /** The process exit code that names this kind of stop. */
  readonly exitCode: number;
  constructor(kind: keyof typeof retrainExitCodes, message: string) {
    super(message);
    this.name = 'RetrainError';
    this.exitCode = retrainExitCodes[kind];
  }
}
