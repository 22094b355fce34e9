/**
 * Which model `npm run train` ships and with which hyper-parameters: whatever the last
 * `npm run evaluate` chose on validation (model/artifacts/evaluation.json), or the
 * defaults below (what that evaluation chose when this was written).
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { optionalParamKeys, shippableModels, type ModelParams, type ShippableModel } from './candidates.ts';

/** Where `npm run evaluate` writes its report. */
export const evaluationPath = fileURLToPath(new URL('../artifacts/evaluation.json', import.meta.url));

/** The project's default artifact folder (`npm run train` without `--out`). */
export const defaultModelDir = fileURLToPath(new URL('../artifacts/model/', import.meta.url));

/** The fallback when no evaluation report exists. */
export const defaultShipped: { name: ShippableModel; params: ModelParams } = {
  name: 'ease+buy-again',
  params: {
    halfLifeDays: Infinity,
    neighbours: 50,
    lambda: 1000,
    topItems: 1500,
    repeatWeight: 0.75,
    blendHalfLifeDays: 90,
    historyCap: 250,
  },
};

/** JSON has no Infinity: parameters are written with this replacer and read back with `reviveParams`. */
export function jsonReplacer(_key: string, value: unknown): unknown {
  return value === Infinity ? 'Infinity' : value;
}

/**
 * Parameters as JSON holds them (a report's or a manifest's), as the models take them: `"Infinity"`
 * revived, the optional parts (trend prior, item-kNN mix, nearest customers, …) kept when present,
 * the defaults for missing required ones.
 */
export function reviveParams(raw: Record<string, unknown>): ModelParams {
  const out: ModelParams = { ...defaultShipped.params };
  for (const key of [...Object.keys(out), ...optionalParamKeys] as (keyof ModelParams)[]) {
    const v = raw[key];
    if (v === 'Infinity') out[key] = Infinity;
    else if (typeof v === 'number' && Number.isFinite(v)) out[key] = v;
  }
  return out;
}

/** The shipped model's name and parameters from the evaluation report at `path`, else the defaults. */
export function readShippedConfig(path: string = evaluationPath): {
  name: ShippableModel;
  params: ModelParams;
  source: string;
} {
  if (!existsSync(path)) return { ...defaultShipped, source: 'defaults' };
  const report = JSON.parse(readFileSync(path, 'utf8')) as { shipped?: unknown; params?: Record<string, unknown> };
  const name = shippableModels.find((m) => m === report.shipped);
  if (!name)
    throw new Error(`train: ${path} ships "${String(report.shipped)}", not one of ${shippableModels.join(', ')}`);
  return { name, params: reviveParams(report.params ?? {}), source: path };
}
