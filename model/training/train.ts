/**
 * `npm run train -- [--until YYYY-MM-DD] [--out DIR]`: trains the shipped model (as chosen
 * by the last `npm run evaluate`) on purchases strictly before `--until` (default: all)
 * and writes the artifact into DIR (default model/artifacts/model/). Prints the time taken.
 * With `RECO_PSEUDONYM_KEY` set, customers are known to the model only by their pseudonyms.
 */
import { parseArgs } from 'node:util';
import { pseudonymizer } from '../../contracts/pseudonym.ts';
import { loadPurchases, type Purchase } from '../../data/purchases.ts';
import { secretKey } from '../../environment/parsers.ts';
import { type EnvironmentTable, readEnvironment } from '../../environment/read-environment.ts';
import { writeArtifact, type Manifest } from '../container/artifact.ts';
import { writeTrainingBaseline } from './baseline.ts';
import { fitItemItemParts, type ModelParams, type ShippableModel } from './candidates.ts';
import { buildInteractions, parseDay } from '../recommenders/interactions.ts';
import { defaultModelDir, jsonReplacer, readShippedConfig } from './shipped-config.ts';

/** What `npm run train` reads from its environment. */
export const trainDefaults = { pseudonymKey: undefined as string | undefined };

/**
 * Each variable `npm run train` reads, and the option it sets. Unknown `RECO_*` names are not
 * refused here: that needs the proxy's list, and this file is in the image, which has no proxy.
 */
export const trainEnvironment = {
  RECO_PSEUDONYM_KEY: ['pseudonymKey', secretKey],
} as const satisfies EnvironmentTable<typeof trainDefaults>;

/** Trains and writes an artifact; what the CLI and the tests both call. */
export function trainArtifact(options: {
  until?: string;
  out: string;
  model?: { name: ShippableModel; params: ModelParams };
  /** `RECO_PSEUDONYM_KEY`: the model then knows customers only by pseudonym, as the proxy sends them. */
  pseudonymKey?: string | undefined;
}): { manifest: Manifest; seconds: number } {
  const started = performance.now();
  const until = options.until;
  if (until !== undefined) parseDay(until, 'train');
  const { name, params } = options.model ?? readShippedConfig();
  const pseudonym = pseudonymizer(options.pseudonymKey);
  const purchases = loadPurchases(until === undefined ? {} : { until }).purchases.map((p) => ({
    ...p,
    customerId: pseudonym(p.customerId),
  }));
  if (purchases.length === 0) throw new Error(`train: no purchases before ${until}`);
  const manifest = trainOnPurchases(purchases, {
    out: options.out,
    model: { name, params },
    ...(until === undefined ? {} : { until }),
  });
  return { manifest, seconds: (performance.now() - started) / 1000 };
}

/**
 * Fits the model on `purchases` (already filtered by time and keyed as the model should know
 * customers) and writes the artifact into `out`; `until` is the exclusive cut-off they were
 * filtered by, if any. What `npm run train` and `npm run retrain` share.
 */
export function trainOnPurchases(
  purchases: readonly Purchase[],
  options: { out: string; model: { name: ShippableModel; params: ModelParams }; until?: string },
): Manifest {
  const { until } = options;
  const { name, params } = options.model;
  const data = buildInteractions(purchases, until === undefined ? undefined : parseDay(until, 'train'));
  const parts = fitItemItemParts(data, name, params);
  const manifest = writeArtifact(options.out, {
    parts,
    itemIds: data.itemIds,
    userIds: data.userIds,
    trainedUntil: until ?? 'all',
    params: JSON.parse(JSON.stringify(params, jsonReplacer)) as Record<string, unknown>,
  });
  writeTrainingBaseline(options.out, { ...data, parts, modelVersion: manifest.modelVersion });
  return manifest;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  let env = trainDefaults;
  try {
    env = readEnvironment('train', trainDefaults, trainEnvironment);
  } catch (error) {
    console.error((error as Error).message);
    process.exit(1);
  }
  const { values } = parseArgs({
    options: { until: { type: 'string' }, out: { type: 'string', default: defaultModelDir } },
  });
  const config = readShippedConfig();
  console.log(`train: ${config.name} with parameters from ${config.source}`);
  const { manifest, seconds } = trainArtifact({
    out: values.out,
    model: config,
    pseudonymKey: env.pseudonymKey,
    ...(values.until ? { until: values.until } : {}),
  });
  console.log(
    `train: ${manifest.modelVersion}: ${manifest.userIds.length} customers, ${manifest.itemCount} items ` +
      `(${manifest.modelItems} in the item-item matrix) → ${values.out}`,
  );
  console.log(`train: took ${seconds.toFixed(1)} s`);
}
