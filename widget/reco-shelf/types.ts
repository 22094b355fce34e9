import type { ShelfSourceName } from '../../contracts/shelf-answer.ts';
import type { RecoShelf } from './reco-shelf.ts';

/** One product as the proxy returns it (docs/contracts.md "Widget → proxy"). Untrusted. */
export interface RecoItem {
  id: string;
  title: string;
  url?: string;
  image?: string;
  srcset?: string;
  price?: { value: number; currency?: string } | null;
  category?: string;
}

/** Where the shelf came from: the one list in `contracts/shelf-answer.ts`. */
export type RecoSource = ShelfSourceName;

/** A problem the proxy noticed but answered anyway, e.g. `unknown-placement`. */
export interface RecoWarning {
  code: string;
  message: string;
}

export interface RecoResponse {
  requestId: string;
  placement: string;
  source: RecoSource;
  fallbackReason: string | null;
  /** The model that answered (null for rules); its version and A/B variant go with every event. */
  model: { version: string | null; variant: string | null } | null;
  warnings: RecoWarning[];
  items: RecoItem[];
}

/** Detail of `reco-load`: exactly these four fields. */
export interface RecoLoadDetail {
  source: RecoSource;
  fallbackReason: string | null;
  requestId: string;
  count: number;
}

/** Detail of `reco-error`: a code from `error-codes.ts` (README "Problems and their codes") and a message. */
export interface RecoErrorDetail {
  code: string;
  error: string;
}

/** Detail of `reco-impression`, `reco-click` and `reco-add-to-cart`. */
export interface RecoItemDetail {
  item: RecoItem;
  position: number;
  requestId: string;
  source: RecoSource;
  placement: string;
}

export type TrackedEventType = 'impression' | 'click' | 'add_to_cart';

/** One entry of the `POST /v1/events` batch. */
export interface TrackedEvent {
  id: string;
  type: TrackedEventType;
  placement: string;
  requestId: string;
  source: RecoSource;
  itemId: string;
  userId?: string;
  sessionId?: string;
  /** The storefront-signed shopper JWT (`shopper-token`), sent as is; the proxy verifies it. */
  shopperToken?: string;
  /** A/B variant and version of the model whose answer showed the item; absent for rules. */
  variant?: string;
  modelVersion?: string;
  ts: number;
}

declare global {
  interface HTMLElementTagNameMap {
    'reco-shelf': RecoShelf;
  }
  interface HTMLElementEventMap {
    'reco-load': CustomEvent<RecoLoadDetail>;
    'reco-error': CustomEvent<RecoErrorDetail>;
    'reco-impression': CustomEvent<RecoItemDetail>;
    'reco-click': CustomEvent<RecoItemDetail>;
    'reco-add-to-cart': CustomEvent<RecoItemDetail>;
  }
}
