/**
 * The model artifact: `manifest.json` (version, parameters, item and user ids, file list)
 * plus little-endian binary arrays. Written manifest-last, so a folder with a manifest is
 * complete. This module is all the container needs to load a model (no data/ imports).
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkForest } from '../recommenders/gbdt.ts';
import type { ItemItemParts } from '../recommenders/item-item.ts';
import { featureCount } from '../recommenders/rerank-features.ts';

/** Identifies the layout; bump when it changes. */
export const artifactFormat = 'reco-shelf-item-item/1';

/** What manifest.json holds. */
export interface Manifest {
  format: string;
  modelVersion: string;
  algorithm: string;
  /** The training cut-off (YYYY-MM-DD, exclusive) or "all". */
  trainedUntil: string;
  trainedAt: string;
  params: Record<string, unknown>;
  itemCount: number;
  modelItems: number;
  repeatWeight: number;
  historyCap: number;
  /** The trend prior's weight (absent in models without one). */
  trendWeight?: number;
  /** The customer-to-customer part's weight and neighbour count (absent in models without one). */
  neighbourWeight?: number;
  neighbours?: number;
  neighbourOwnOnly?: boolean;
  /**
   * The learned re-ranker (absent in models without one): its trees in `rerank-trees.json`, re-ranking
   * the blend's best `candidates` items; the counts its features read are the optional binaries.
   */
  rerank?: { file: 'rerank-trees.json'; candidates: number; trees: number };
  itemIds: string[];
  userIds: string[];
  files: Record<RequiredBinary, { type: 'float32' | 'int32'; length: number }> &
    Partial<Record<OptionalBinary, { type: 'float32' | 'int32'; length: number }>>;
}

type RequiredBinary = 'itemItem' | 'popularity' | 'userPtr' | 'userItems' | 'userRepeat';
/** Files only some models have (absent from the manifest: the model has no such part). */
type OptionalBinary =
  | 'userRepeatWeight'
  | 'userVectors'
  | 'userBaskets'
  | 'userAgeDays'
  | 'userFirstAgeDays'
  | 'itemBuyers'
  | 'itemRecentBuyers';
/** The re-ranker's counts: all present with `rerank`, none without. */
const rerankBinaries = ['userBaskets', 'userAgeDays', 'userFirstAgeDays', 'itemBuyers', 'itemRecentBuyers'] as const;
const rerankFile = 'rerank-trees.json';
type BinaryName = RequiredBinary | OptionalBinary;
const fileNames: Record<BinaryName, string> = {
  itemItem: 'item-item.f32',
  popularity: 'popularity.f32',
  userPtr: 'user-ptr.i32',
  userItems: 'user-items.i32',
  userRepeat: 'user-repeat.f32',
  userRepeatWeight: 'user-repeat-weight.f32',
  userVectors: 'user-vectors.f32',
  userBaskets: 'user-baskets.f32',
  userAgeDays: 'user-age-days.f32',
  userFirstAgeDays: 'user-first-age-days.f32',
  itemBuyers: 'item-buyers.f32',
  itemRecentBuyers: 'item-recent-buyers.f32',
};
const optionalBinaries: readonly OptionalBinary[] = ['userRepeatWeight', 'userVectors', ...rerankBinaries];

/** A loaded model: the scoring parts plus the id maps the container needs. */
export interface LoadedModel {
  manifest: Manifest;
  parts: ItemItemParts;
  itemIndex: Map<string, number>;
  userIndex: Map<string, number>;
}

function bytesOf(array: Float32Array | Int32Array): Buffer {
  return Buffer.from(array.buffer, array.byteOffset, array.byteLength);
}

/** Writes the artifact into `dir` and returns its manifest; `modelVersion` hashes every byte and parameter. */
export function writeArtifact(
  dir: string,
  model: {
    parts: ItemItemParts;
    itemIds: string[];
    userIds: string[];
    trainedUntil: string;
    params: Record<string, unknown>;
  },
): Manifest {
  const { parts } = model;
  mkdirSync(dir, { recursive: true });
  const arrays: Partial<Record<BinaryName, Float32Array | Int32Array>> = {
    itemItem: parts.itemItem,
    popularity: parts.popularity,
    userPtr: parts.userPtr,
    userItems: parts.userItems,
    userRepeat: parts.userRepeat,
    ...(parts.userRepeatWeight ? { userRepeatWeight: parts.userRepeatWeight } : {}),
    ...(parts.userVectors ? { userVectors: parts.userVectors } : {}),
    ...(parts.rerank ? parts.rerank.counts : {}),
  };
  const trees =
    parts.rerank && `${JSON.stringify({ candidates: parts.rerank.candidates, forest: parts.rerank.forest })}\n`;
  const hash = createHash('sha256');
  hash.update(
    JSON.stringify([
      parts.name,
      model.trainedUntil,
      model.params,
      parts.repeatWeight,
      parts.historyCap,
      // Only when set, so a model without a trend prior keeps the version it always had.
      ...(parts.trendWeight === undefined ? [] : [parts.trendWeight]),
      ...(parts.neighbourWeight === undefined ? [] : [parts.neighbourWeight, parts.neighbours]),
      ...(parts.neighbourOwnOnly ? ['own only'] : []),
      // Only when set, so a model without a re-ranker keeps its version.
      ...(trees ? [trees] : []),
      model.itemIds,
      model.userIds,
    ]),
  );
  const files = {} as Manifest['files'];
  for (const [name, array] of Object.entries(arrays) as [BinaryName, Float32Array | Int32Array][]) {
    const bytes = bytesOf(array);
    hash.update(bytes);
    writeFileSync(join(dir, fileNames[name]), bytes);
    files[name] = { type: array instanceof Float32Array ? 'float32' : 'int32', length: array.length };
  }
  const manifest: Manifest = {
    format: artifactFormat,
    modelVersion: `${parts.name.replace(/[^a-z0-9]+/g, '-')}-${model.trainedUntil}-${hash.digest('hex').slice(0, 8)}`,
    algorithm: parts.name,
    trainedUntil: model.trainedUntil,
    trainedAt: new Date().toISOString(),
    params: model.params,
    itemCount: parts.itemCount,
    modelItems: parts.modelItems,
    repeatWeight: parts.repeatWeight,
    historyCap: parts.historyCap,
    ...(parts.trendWeight === undefined ? {} : { trendWeight: parts.trendWeight }),
    ...(parts.neighbourWeight === undefined
      ? {}
      : { neighbourWeight: parts.neighbourWeight, neighbours: parts.neighbours }),
    ...(parts.neighbourOwnOnly ? { neighbourOwnOnly: true } : {}),
    ...(parts.rerank
      ? {
          rerank: {
            file: rerankFile,
            candidates: parts.rerank.candidates,
            trees: parts.rerank.forest.trees.length,
          } as const,
        }
      : {}),
    itemIds: model.itemIds,
    userIds: model.userIds,
    files,
  };
  if (trees) writeFileSync(join(dir, rerankFile), trees);
  writeFileSync(join(dir, 'manifest.json'), `${JSON.stringify(manifest)}\n`);
  return manifest;
}

function readArray(
  dir: string,
  name: BinaryName,
  spec: { type: 'float32' | 'int32'; length: number },
): Float32Array | Int32Array {
  const bytes = readFileSync(join(dir, fileNames[name]));
  if (bytes.byteLength !== spec.length * 4)
    throw new Error(`artifact: ${fileNames[name]} has ${bytes.byteLength} bytes, expected ${spec.length * 4}`);
  // Copy into a fresh, aligned buffer: small reads may share Node's pool at an odd offset.
  const copy = new ArrayBuffer(bytes.byteLength);
  new Uint8Array(copy).set(bytes);
  return spec.type === 'float32' ? new Float32Array(copy) : new Int32Array(copy);
}

/** Reads and checks an artifact folder; throws `artifact: …` when anything is missing or inconsistent. */
export function readArtifact(dir: string): LoadedModel {
  let manifest: Manifest;
  try {
    manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Manifest;
  } catch (error) {
    throw new Error(`artifact: cannot read ${join(dir, 'manifest.json')}: ${(error as Error).message}`);
  }
  if (manifest.format !== artifactFormat)
    throw new Error(`artifact: format "${manifest.format}", expected "${artifactFormat}"`);
  const arrays = {} as Record<BinaryName, Float32Array | Int32Array>;
  for (const name of Object.keys(fileNames) as BinaryName[]) {
    const spec = manifest.files[name];
    if (!spec && optionalBinaries.includes(name as OptionalBinary)) continue;
    if (!spec) throw new Error(`artifact: manifest lists no ${name}`);
    arrays[name] = readArray(dir, name, spec);
  }
  if (arrays.userRepeatWeight && arrays.userRepeatWeight.length !== manifest.userIds.length)
    throw new Error('artifact: user-repeat-weight.f32 and the user ids disagree in length');
  if (arrays.userVectors && arrays.userVectors.length !== arrays.userItems.length)
    throw new Error('artifact: user-vectors.f32 and user-items.i32 disagree in length');
  if (manifest.itemIds.length !== manifest.itemCount || arrays.userPtr.length !== manifest.userIds.length + 1) {
    throw new Error('artifact: ids and arrays disagree in length');
  }
  const rerank = manifest.rerank ? readRerank(dir, manifest, arrays) : undefined;
  const parts: ItemItemParts = {
    name: manifest.algorithm,
    itemCount: manifest.itemCount,
    modelItems: manifest.modelItems,
    itemItem: arrays.itemItem as Float32Array,
    popularity: arrays.popularity as Float32Array,
    userPtr: arrays.userPtr as Int32Array,
    userItems: arrays.userItems as Int32Array,
    userRepeat: arrays.userRepeat as Float32Array,
    repeatWeight: manifest.repeatWeight,
    historyCap: manifest.historyCap,
    ...(typeof manifest.trendWeight === 'number' ? { trendWeight: manifest.trendWeight } : {}),
    ...(arrays.userRepeatWeight ? { userRepeatWeight: arrays.userRepeatWeight as Float32Array } : {}),
    ...(arrays.userVectors && typeof manifest.neighbourWeight === 'number'
      ? {
          userVectors: arrays.userVectors as Float32Array,
          neighbourWeight: manifest.neighbourWeight,
          neighbours: manifest.neighbours ?? 100,
          ...(manifest.neighbourOwnOnly ? { neighbourOwnOnly: true } : {}),
        }
      : {}),
    ...(rerank ? { rerank } : {}),
  };
  return {
    manifest,
    parts,
    itemIndex: new Map(manifest.itemIds.map((id, i) => [id, i])),
    userIndex: new Map(manifest.userIds.map((id, u) => [id, u])),
  };
}

/** The re-ranker's trees and counts, checked against the manifest (throws `artifact: …`). */
function readRerank(
  dir: string,
  manifest: Manifest,
  arrays: Record<BinaryName, Float32Array | Int32Array>,
): NonNullable<ItemItemParts['rerank']> {
  for (const name of rerankBinaries) {
    if (!arrays[name]) throw new Error(`artifact: the re-ranker needs ${fileNames[name]}, and the manifest lists none`);
    const expected = name.startsWith('item') ? manifest.itemCount : arrays.userItems.length;
    if (arrays[name].length !== expected) throw new Error(`artifact: ${fileNames[name]} has the wrong length`);
  }
  let stored: { candidates: number; forest: unknown };
  try {
    stored = JSON.parse(readFileSync(join(dir, rerankFile), 'utf8')) as typeof stored;
  } catch (error) {
    throw new Error(`artifact: cannot read ${rerankFile}: ${(error as Error).message}`);
  }
  let forest: ReturnType<typeof checkForest>;
  try {
    forest = checkForest(stored.forest);
  } catch (error) {
    throw new Error(`artifact: ${rerankFile}: ${(error as Error).message}`);
  }
  if (forest.features !== featureCount)
    throw new Error(`artifact: ${rerankFile} reads ${forest.features} features, this container builds ${featureCount}`);
  return {
    forest,
    candidates: manifest.rerank!.candidates,
    counts: {
      userBaskets: arrays.userBaskets as Float32Array,
      userAgeDays: arrays.userAgeDays as Float32Array,
      userFirstAgeDays: arrays.userFirstAgeDays as Float32Array,
      itemBuyers: arrays.itemBuyers as Float32Array,
      itemRecentBuyers: arrays.itemRecentBuyers as Float32Array,
    },
  };
}
