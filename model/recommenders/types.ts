/** The one interface every recommender answers through, in item and user numbers. */

/** What a recommender is asked: a known user (by number), context items, or neither. */
export interface Query {
  /** The user's number in the training interactions; undefined for anonymous shoppers. */
  user?: number;
  /** Item numbers the shopper is looking at right now (cart, product page). */
  context?: readonly number[];
  /** How many items to return (fewer only when the catalog runs out). */
  k: number;
  /** Item numbers that must not be returned. */
  exclude?: ReadonlySet<number>;
}

/** One recommended item and its score (higher is better; scores are per query, not calibrated). */
export interface Scored {
  item: number;
  score: number;
}

/** A trained recommender. `recommend` never returns an excluded or duplicate item. */
export interface Recommender {
  readonly name: string;
  recommend(query: Query): Scored[];
}
