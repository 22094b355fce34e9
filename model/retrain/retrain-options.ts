/**
 * `npm run retrain`'s command line, parsed and checked: a bad option or a combination that makes no
 * sense is a usage error (exit 2) naming it. The options themselves are listed in retrain-cli.ts.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { defaultGateRules } from './gate.ts';
import { RetrainError } from './retrain-error.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** The options `retrain` and `gate` share: the inputs, the window and the gate's rules. */
export const windowOptionSpecs = {
  events: { type: 'string', multiple: true },
  'events-dir': { type: 'string' },
  history: { type: 'string', default: join(root, 'data/online-retail') },
  serving: { type: 'string' },
  versions: { type: 'string', default: join(root, 'model/artifacts/versions') },
  'window-days': { type: 'string', default: '14' },
  tolerance: { type: 'string', default: String(defaultGateRules.tolerance) },
  'min-customers': { type: 'string', default: String(defaultGateRules.minCustomers) },
  'keep-history-dates': { type: 'boolean', default: false },
} as const;

/** Runs `parse`; a parse error is a usage `RetrainError`. */
export function usageOf<T>(parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    throw new RetrainError('usage', (error as Error).message);
  }
}

/** `text` as a number that passes `ok`, else a usage error naming `--name`. */
export function numberOption(name: string, text: string, ok: (x: number) => boolean): number {
  const x = Number(text);
  if (!Number.isFinite(x) || !ok(x)) throw new RetrainError('usage', `--${name}: "${text}" is out of range`);
  return x;
}

/** The window's and the gate's numbers from the shared options. */
export function windowNumbers(values: { 'window-days': string; tolerance: string; 'min-customers': string }) {
  return {
    windowDays: numberOption('window-days', values['window-days'], (x) => Number.isInteger(x) && x >= 1),
    tolerance: numberOption('tolerance', values.tolerance, (x) => x >= 0 && x < 1),
    minCustomers: numberOption('min-customers', values['min-customers'], (x) => Number.isInteger(x) && x >= 1),
  };
}

/** A candidate container's URL must be http(s). */
export function checkCandidateUrl(url: string): void {
  if (!/^https?:\/\/[^/]+/.test(url))
    throw new RetrainError('usage', `--candidate-url: "${url}" is not an http(s) URL`);
}

/** The retrain's options, checked. */
export type RetrainOptions = ReturnType<typeof parseOptions>;

/** Parses `argv`; throws a usage `RetrainError` naming the option at fault. */
export function parseOptions(argv: string[]) {
  const parse = () =>
    parseArgs({
      args: argv,
      options: {
        ...windowOptionSpecs,
        promote: { type: 'boolean', default: false },
        full: { type: 'boolean', default: false },
        force: { type: 'boolean', default: false },
        share: { type: 'string', default: '10' },
        'runtime-url': { type: 'string' },
        'log-dir': { type: 'string', default: join(root, 'var/logs') },
        cloud: { type: 'boolean', default: false },
        'train-in-cloud': { type: 'boolean', default: false },
        'dry-run': { type: 'boolean', default: false },
        's3-uri': { type: 'string' },
        image: { type: 'string' },
        role: { type: 'string' },
        endpoint: { type: 'string' },
        create: { type: 'boolean', default: false },
        region: { type: 'string' },
        'export-only': { type: 'boolean', default: false },
        out: { type: 'string' },
        'candidate-url': { type: 'string' },
      },
    });
  const values = usageOf(parse).values;
  if (values.full && !values.promote) throw new RetrainError('usage', '--full only makes sense with --promote');
  if (values.cloud && values.promote)
    throw new RetrainError('usage', '--promote serves locally, --cloud on SageMaker: choose one');
  if (values['export-only'] && (values.promote || values.cloud || values['candidate-url']))
    throw new RetrainError(
      'usage',
      '--export-only writes the training channel and stops: no --promote, --cloud or --candidate-url',
    );
  if (values.out && !values['export-only']) throw new RetrainError('usage', '--out goes with --export-only');
  if (values['candidate-url'] && values.cloud)
    throw new RetrainError(
      'usage',
      '--candidate-url is judged and promoted locally; its image goes to the cloud by model:deploy',
    );
  if (values['candidate-url']) checkCandidateUrl(values['candidate-url']);
  if ((values['train-in-cloud'] || values['dry-run']) && !values.cloud)
    throw new RetrainError('usage', '--train-in-cloud and --dry-run go with --cloud');
  return {
    ...values,
    ...windowNumbers(values),
    share: numberOption('share', values.share, (x) => x > 0 && x < 100),
  };
}
