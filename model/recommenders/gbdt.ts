/**
 * A small gradient-boosted regression-tree learner with a listwise objective (LambdaMART: Burges
 * 2010), for the re-ranker (`reranker.ts`). Each tree is fitted by Newton steps to the LambdaRank
 * gradients of every question (a customer's candidate list): for each (bought, not bought) pair the
 * RankNet gradient weighted by |ΔNDCG| of swapping the two. Splits are searched over per-feature
 * quantile bins (at most 32), so a level costs one pass over the rows; trees grow level by level.
 *
 * Hand-written on purpose: no well-kept npm package trains LambdaMART in JavaScript or TypeScript.
 * A search of package docs (2026-12-07) found LambdaMART in Python (lezzago/LambdaMart, sklearn
 * trees), Java (RankLib), Scala (metarank/ltrlib, wrapping XGBoost/LightGBM/CatBoost) and C++
 * (LightGBM, XGBoost); their JS bindings need native builds or WASM and a second model format in the
 * container. Serving needs only `predict` over plain JSON trees, a few lines with no dependency.
 *
 * Deterministic: no sampling, ties broken by index, so the same data gives the same trees.
 */

/** One tree as plain arrays (JSON as is): node 0 is the root; `feature[n] < 0` marks a leaf. */
export interface Tree {
  feature: number[];
  /** Go left when the feature's value is ≤ the threshold. */
  threshold: number[];
  left: number[];
  right: number[];
  /** A leaf's output (learning rate applied); 0 for inner nodes. */
  value: number[];
}

/** A trained ensemble: the score is the sum of every tree's leaf. */
export interface Forest {
  features: number;
  trees: Tree[];
}

export interface GbdtOptions {
  trees: number;
  depth: number;
  learningRate: number;
  /** A leaf needs at least this much summed hessian (a regulariser against tiny leaves). */
  minLeafHessian?: number;
  /** L2 penalty on leaf values. */
  lambda?: number;
  /** Quantile bins per feature. */
  bins?: number;
  /** Swaps below this rank on both sides change NDCG@truncation by nothing (absent: the whole list). */
  truncation?: number;
}

/** Training questions: rows of `features` floats, grouped by `groupPtr` (question q = rows [ptr[q], ptr[q+1])). */
export interface RankingData {
  features: number;
  x: Float32Array;
  /** 1 for an item bought in the label window, 0 otherwise. */
  label: Uint8Array;
  groupPtr: Int32Array;
}

/** The ensemble's score of one row (`x` at `offset`, `forest.features` values). */
export function predict(forest: Forest, x: ArrayLike<number>, offset = 0): number {
  let sum = 0;
  for (const tree of forest.trees) {
    let node = 0;
    while (tree.feature[node]! >= 0)
      node = x[offset + tree.feature[node]!]! <= tree.threshold[node]! ? tree.left[node]! : tree.right[node]!;
    sum += tree.value[node]!;
  }
  return sum;
}

/** Quantile edges per feature from the sorted distinct values (deterministic; every row counted). */
function binEdges(data: RankingData, bins: number): Float64Array[] {
  const rows = data.label.length;
  const out: Float64Array[] = [];
  const column = new Float64Array(rows);
  for (let f = 0; f < data.features; f++) {
    for (let r = 0; r < rows; r++) column[r] = data.x[r * data.features + f]!;
    const sorted = column.slice().sort();
    const edges: number[] = [];
    for (let b = 1; b <= bins; b++) {
      const v = sorted[Math.min(rows - 1, Math.floor((b * rows) / bins) - 1)]!;
      if (edges.length === 0 || v > edges[edges.length - 1]!) edges.push(v);
    }
    out.push(Float64Array.from(edges));
  }
  return out;
}

function binOf(edges: Float64Array, v: number): number {
  let lo = 0,
    hi = edges.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (v <= edges[mid]!) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/**
 * LambdaRank gradients (ascent direction) and hessians into `g`, `h` for every row, from the current
 * `scores`. NDCG over the whole candidate list (or its top `truncation`), binary gains. Made once per
 * training: each question's order is kept from the tree before and re-sorted by insertion, which is
 * nearly free because one tree moves scores a little.
 */
function lambdaComputer(data: RankingData, truncation = Infinity) {
  const rows = data.label.length;
  const order = Int32Array.from({ length: rows }, (_, r) => r);
  const rank = new Int32Array(rows);
  const discounts = new Float64Array(rows);
  const exps = new Float64Array(rows);
  let longest = 0;
  for (let q = 0; q + 1 < data.groupPtr.length; q++)
    longest = Math.max(longest, data.groupPtr[q + 1]! - data.groupPtr[q]!);
  const discountAt = Float64Array.from({ length: longest }, (_, r) => (r < truncation ? 1 / Math.log2(r + 2) : 0));
  const positivesOf = Int32Array.from({ length: data.groupPtr.length - 1 }, (_, q) => {
    let n = 0;
    for (let r = data.groupPtr[q]!; r < data.groupPtr[q + 1]!; r++) n += data.label[r]!;
    return n;
  });
  return function lambdas(scores: Float64Array, g: Float64Array, h: Float64Array): void {
    g.fill(0);
    h.fill(0);
    for (let q = 0; q + 1 < data.groupPtr.length; q++) {
      const from = data.groupPtr[q]!,
        to = data.groupPtr[q + 1]!;
      const positives = positivesOf[q]!;
      if (positives === 0 || positives === to - from) continue;
      // Best score first, the lower row first on a tie: one total order, whatever the sort.
      for (let i = from + 1; i < to; i++) {
        const row = order[i]!,
          s = scores[row]!;
        let at = i;
        while (at > from) {
          const before = order[at - 1]!;
          if (scores[before]! > s || (scores[before]! === s && before < row)) break;
          order[at] = before;
          at--;
        }
        order[at] = row;
      }
      for (let i = from; i < to; i++) rank[order[i]!] = i - from;
      let ideal = 0;
      for (let i = 0; i < Math.min(positives, truncation); i++) ideal += 1 / Math.log2(i + 2);
      // Per row once: its discount at its rank and e^score (the pair's ρ = e_j / (e_i + e_j)), scores
      // shifted by the question's best so the exponentials stay finite.
      const top = scores[order[from]!]!;
      for (let r = from; r < to; r++) {
        discounts[r] = discountAt[rank[r]!]!;
        exps[r] = Math.exp(scores[r]! - top);
      }
      for (let i = from; i < to; i++) {
        if (!data.label[i]) continue;
        const di = discounts[i]!,
          ei = exps[i]!;
        for (let j = from; j < to; j++) {
          if (data.label[j]) continue;
          const delta = Math.abs(di - discounts[j]!) / ideal;
          if (delta === 0) continue;
          const sum = ei + exps[j]!;
          const rho = sum > 0 ? exps[j]! / sum : 0.5;
          g[i] = g[i]! + delta * rho;
          g[j] = g[j]! - delta * rho;
          const w = delta * rho * (1 - rho);
          h[i] = h[i]! + w;
          h[j] = h[j]! + w;
        }
      }
    }
  };
}

/** Trains a forest on `data`. */
export function trainGbdt(data: RankingData, options: GbdtOptions): Forest {
  const { features } = data;
  const rows = data.label.length;
  const nBins = options.bins ?? 32;
  const minLeaf = options.minLeafHessian ?? 1;
  const l2 = options.lambda ?? 1;
  const edges = binEdges(data, nBins);
  const binned = new Uint8Array(rows * features);
  for (let r = 0; r < rows; r++)
    for (let f = 0; f < features; f++) binned[r * features + f] = binOf(edges[f]!, data.x[r * features + f]!);

  const scores = new Float64Array(rows);
  const g = new Float64Array(rows);
  const h = new Float64Array(rows);
  const nodeOf = new Int32Array(rows);
  const lambdas = lambdaComputer(data, options.truncation);
  const trees: Tree[] = [];
  for (let t = 0; t < options.trees; t++) {
    lambdas(scores, g, h);
    const tree: Tree = { feature: [-1], threshold: [0], left: [-1], right: [-1], value: [0] };
    nodeOf.fill(0);
    let level = [0];
    for (let depth = 0; depth < options.depth && level.length > 0; depth++) {
      // One pass over the rows fills every node's histograms at this level.
      const slot = new Int32Array(tree.feature.length).fill(-1);
      level.forEach((node, s) => {
        slot[node] = s;
      });
      const hist = new Float64Array(level.length * features * nBins * 2);
      for (let r = 0; r < rows; r++) {
        const s = slot[nodeOf[r]!]!;
        if (s < 0) continue;
        const base = s * features * nBins * 2;
        const gr = g[r]!,
          hr = h[r]!,
          rowAt = r * features;
        for (let f = 0; f < features; f++) {
          const at = base + (f * nBins + binned[rowAt + f]!) * 2;
          hist[at] = hist[at]! + gr;
          hist[at + 1] = hist[at + 1]! + hr;
        }
      }
      const next: number[] = [];
      const splitFeature = new Int32Array(tree.feature.length).fill(-1);
      const splitAt = new Int32Array(tree.feature.length);
      level.forEach((node, s) => {
        const base = s * features * nBins * 2;
        let G = 0,
          H = 0;
        for (let b = 0; b < nBins; b++) {
          G += hist[base + b * 2]!;
          H += hist[base + b * 2 + 1]!;
        }
        const parent = (G * G) / (H + l2);
        let best = 1e-9,
          bestFeature = -1,
          bestBin = -1;
        for (let f = 0; f < features; f++) {
          let GL = 0,
            HL = 0;
          for (let b = 0; b + 1 < edges[f]!.length; b++) {
            const at = base + (f * nBins + b) * 2;
            GL += hist[at]!;
            HL += hist[at + 1]!;
            const HR = H - HL;
            if (HL < minLeaf || HR < minLeaf) continue;
            const GR = G - GL;
            const gain = (GL * GL) / (HL + l2) + (GR * GR) / (HR + l2) - parent;
            if (gain > best) {
              best = gain;
              bestFeature = f;
              bestBin = b;
            }
          }
        }
        if (bestFeature < 0) return;
        const left = tree.feature.length,
          right = left + 1;
        for (let i = 0; i < 2; i++) {
          tree.feature.push(-1);
          tree.threshold.push(0);
          tree.left.push(-1);
          tree.right.push(-1);
          tree.value.push(0);
        }
        tree.feature[node] = bestFeature;
        tree.threshold[node] = edges[bestFeature]![bestBin]!;
        tree.left[node] = left;
        tree.right[node] = right;
        splitFeature[node] = bestFeature;
        splitAt[node] = bestBin;
        next.push(left, right);
      });
      for (let r = 0; r < rows; r++) {
        const node = nodeOf[r]!;
        const f = node < splitFeature.length ? splitFeature[node]! : -1;
        if (f < 0) continue;
        nodeOf[r] = binned[r * features + f]! <= splitAt[node]! ? tree.left[node]! : tree.right[node]!;
      }
      level = next;
    }
    // Newton leaf values: Σg / (Σh + λ), shrunk by the learning rate.
    const G = new Float64Array(tree.feature.length),
      H = new Float64Array(tree.feature.length);
    for (let r = 0; r < rows; r++) {
      G[nodeOf[r]!] = G[nodeOf[r]!]! + g[r]!;
      H[nodeOf[r]!] = H[nodeOf[r]!]! + h[r]!;
    }
    for (let n = 0; n < tree.feature.length; n++)
      if (tree.feature[n]! < 0) tree.value[n] = (options.learningRate * G[n]!) / (H[n]! + l2);
    for (let r = 0; r < rows; r++) scores[r] = scores[r]! + tree.value[nodeOf[r]!]!;
    trees.push(tree);
  }
  return { features, trees };
}

/** Checks a forest read from JSON: every index in range, every leaf a number (throws `rerank: …`). */
export function checkForest(value: unknown): Forest {
  const forest = value as Forest;
  if (!forest || typeof forest.features !== 'number' || !Array.isArray(forest.trees))
    throw new Error('rerank: the trees file is not a forest');
  for (const tree of forest.trees) {
    const n = tree.feature?.length;
    for (const key of ['threshold', 'left', 'right', 'value'] as const)
      if (!Array.isArray(tree[key]) || tree[key].length !== n) throw new Error(`rerank: a tree's ${key} is malformed`);
    for (let i = 0; i < n; i++) {
      if (tree.feature[i]! >= forest.features) throw new Error('rerank: a tree uses a feature out of range');
      if (
        tree.feature[i]! >= 0 &&
        !(tree.left[i]! > i && tree.right[i]! > i && Math.max(tree.left[i]!, tree.right[i]!) < n)
      )
        throw new Error('rerank: a tree points outside itself');
    }
  }
  return forest;
}
