/**
 * `npm run gate -- --candidate-url URL [options]`: the retrain's gate for any running container that
 * keeps the invocation contract, whatever its language. Gathers the purchases as the retrain does,
 * cuts the same window, asks the container black-box through `/invocations` for every test customer
 * (by pseudonym, as the proxy asks), scores it beside the serving recipe re-fitted at the cut-off,
 * buy-again and popularity, and prints the retrain's table and verdict. The container must have
 * learnt only from purchases before the window: train it on `npm run retrain -- --export-only`'s
 * `gate` channel. A person reads its report, so it prints with `console`.
 *
 *   --candidate-url URL    the container (required); `${URL}/invocations` is called
 *   --events, --events-dir, --history, --serving, --versions, --window-days, --keep-history-dates,
 *   --tolerance, --min-customers   as for npm run retrain (model/retrain/retrain-cli.ts)
 *   --report FILE          also write the report as JSON
 *
 * Exit codes: those of npm run retrain (model/README.md): 0 passed, 10 refused, 11 not enough
 * evidence, 9 the container broke the contract, 2 bad options, 3–6 and 12 as the retrain.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { gateContainer } from './container-candidate.ts';
import { defaultGateRules, outcomeWords, renderGateTable } from './gate.ts';
import { iso, openTestWindow, verdictExitCode, windowLines } from './gate-window.ts';
import { RetrainError } from './retrain-error.ts';
import { readRetrainEnvironment } from './retrain-environment.ts';
import { checkCandidateUrl, usageOf, windowNumbers, windowOptionSpecs } from './retrain-options.ts';
import { resolveInputs, windowOptionsOf } from './retrain-inputs.ts';

/** The gate's options (the retrain's, where they mean the same). */
export function parseGateOptions(argv: string[]) {
  const parse = () =>
    parseArgs({
      args: argv,
      options: {
        'candidate-url': { type: 'string' },
        ...windowOptionSpecs,
        report: { type: 'string' },
      },
    });
  const values = usageOf(parse).values;
  const url = values['candidate-url'];
  if (!url) throw new RetrainError('usage', '--candidate-url URL is required (the container to judge)');
  checkCandidateUrl(url);
  return {
    ...values,
    candidateUrl: url,
    ...windowNumbers(values),
  };
}

async function main(argv: string[]): Promise<number> {
  const env = readRetrainEnvironment();
  const options = parseGateOptions(argv);
  const inputs = resolveInputs({
    events: options.events,
    eventsDir: options['events-dir'] ?? env.eventsDir,
    versions: options.versions,
    serving: options.serving,
    pseudonymKey: env.pseudonymKey,
    tokensVerified: env.shopperTokenSecret !== undefined,
    command: 'gate',
  });
  const window = openTestWindow(windowOptionsOf(options, inputs));
  const rules = { ...defaultGateRules, tolerance: options.tolerance, minCustomers: options.minCustomers };
  const judged = await gateContainer(window, options.candidateUrl, rules);
  for (const line of windowLines('gate', window, judged.serving)) console.log(line);
  console.log(
    `gate: candidate ${judged.candidate.modelVersion} at ${judged.candidate.url} (${judged.candidate.calls} calls)\n`,
  );
  console.log(renderGateTable(judged.rows, judged.verdict));
  if (options.report) {
    mkdirSync(dirname(options.report), { recursive: true });
    const report = { ...judged, window: { testFrom: iso(window.cutoff), counts: window.split.counts } };
    writeFileSync(options.report, `${JSON.stringify(report, null, 2)}\n`);
  }
  console.log(`\ngate: ${outcomeWords[judged.verdict.outcome]}`);
  return verdictExitCode(judged.verdict);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: Error) => {
      console.error(`gate: ${error.message}`);
      process.exit(error instanceof RetrainError ? error.exitCode : 1);
    },
  );
}
