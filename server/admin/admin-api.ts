/**
 * The admin page's JSON API (`/admin/api/…`, behind admin-auth.ts): the placements and their rules, an edit of
 * one placement (validated, written atomically, audited), a preview of any placement as a customer or an
 * anonymous shopper, the audit log and the revert of one of its entries.
 */
import { Router, type Response } from 'express';
import type { Logger } from 'pino';
import { z } from 'zod';
import { placementPattern, placementRule } from '../../contracts/ids.ts';
import { ApiError, sendError } from '../http/api-error.ts';
import { jsonBody } from '../http/request-body.ts';
import type { CatalogIndex, ShelfItem } from '../shelf/catalog-index.ts';
import type { PlacementFile } from '../shelf/placement-file.ts';
import { fallbackNames, filterNames, InvalidPlacementRulesError } from '../shelf/placement-rules.ts';
import { InvalidRequestError, parseRecommendationBody } from '../shelf/recommendation-request.ts';
import type { ShelfService } from '../shelf/shelf-service.ts';
import type { AuditLog } from './audit-log.ts';
import { EditConflictError, type RulesFileEditor, versionOf } from './rules-file-editor.ts';

/** What the admin API stands on. */
export interface AdminApiDeps {
  editor: RulesFileEditor;
  audit: AuditLog;
  placements: PlacementFile;
  shelfService: ShelfService;
  catalog: CatalogIndex;
  /** Where each change is logged too (who, which placement, what); silent without one. */
  logger?: Logger | undefined;
}

/** How long an edit waits for this instance to load it, so the preview that follows shows it. */
const reloadWaitMs = 3000;

const editBody = z.strictObject({
  rules: z.record(z.string(), z.unknown()).nullable(),
  version: z.string().max(64).optional(),
});
const placementName = z.string().regex(placementPattern, `placement names are ${placementRule}`);

/** A card as the preview shows it. */
const card = (item: ShelfItem) => ({ id: item.id, title: item.title, category: item.category, reason: item.reason });

/** Runs `work`, answering the errors a person can fix as 4xx with the message that names what is wrong. */
async function answering(res: Response, work: () => Promise<unknown> | unknown): Promise<void> {
  try {
    res.json(await work());
  } catch (error) {
    if (error instanceof InvalidPlacementRulesError) return sendError(res, 400, 'invalid_rules', error.message);
    if (error instanceof InvalidRequestError) return sendError(res, 400, 'invalid_request', error.message);
    if (error instanceof EditConflictError) return sendError(res, 409, 'conflict', error.message);
    if (error instanceof ApiError) return sendError(res, error.status, error.code, error.message);
    throw error;
  }
}

function parsed<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  throw new ApiError(400, 'invalid_request', `${[what, ...issue.path].join('.')}: ${issue.message}`);
}

/** The admin API's router, to mount at `/admin/api` behind `adminAuth`. */
export function adminApi(deps: AdminApiDeps): Router {
  const { editor, audit, placements } = deps;
  const router = Router();

  /** Writes placement `name`'s rules, audits the change, and waits until this instance serves it. */
  async function save(
    res: Response,
    name: string,
    rules: Record<string, unknown> | null,
    version?: string,
    revertOf?: string,
  ) {
    const generation = placements.generation;
    let entry: ReturnType<AuditLog['append']> | undefined;
    const written = await editor.setPlacement(name, rules, version, (before, after) => {
      entry = audit.append({
        who: String(res.locals.adminUser),
        placement: name,
        action: revertOf ? 'revert' : 'edit',
        ...(revertOf ? { revertOf } : {}),
        before,
        after,
      });
    });
    if (entry)
      deps.logger?.info(
        { who: entry.who, placement: name, action: entry.action, changed: entry.diff.map((c) => c.path) },
        'admin: placement rules changed',
      );
    const deadline = Date.now() + reloadWaitMs;
    while (written.changed && placements.generation === generation && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 10));
    const live = !written.changed || placements.generation !== generation;
    return { placement: name, version: written.version, changed: written.changed, live, entry };
  }

  /** The rules that name a product the catalog does not have (a typo, or a product since withdrawn). */
  function unknownProducts(rules: Record<string, unknown> | null): string[] {
    const warnings: string[] = [];
    for (const kind of ['pin', 'boost', 'bury', 'hide'])
      for (const [i, rule] of ((rules?.[kind] as Array<{ itemId?: string }> | undefined) ?? []).entries())
        if (rule.itemId !== undefined && !deps.catalog.get(rule.itemId))
          warnings.push(`${kind}[${i}].itemId: ${rule.itemId} is not in the catalog, so it never shows`);
    return warnings;
  }

  router.get('/products', (req, res) => {
    const query = String(req.query.q ?? '')
      .trim()
      .toLowerCase()
      .slice(0, 64);
    const found: Array<{ id: string; title: string; category: string }> = [];
    if (query.length >= 2)
      for (const id of deps.catalog.bestSellers) {
        const product = deps.catalog.get(id)!;
        if (!product.id.toLowerCase().startsWith(query) && !product.title.toLowerCase().includes(query)) continue;
        found.push({ id: product.id, title: product.title, category: product.category });
        if (found.length >= 20) break;
      }
    res.json({ products: found });
  });

  router.get('/placements', (_req, res) => {
    const doc = editor.read();
    const book = placements.current();
    res.json({
      file: editor.path,
      defaults: doc.defaults,
      fallbackNames,
      filterNames,
      placements: Object.entries(doc.placements).map(([name, rules]) => ({
        name,
        rules,
        version: versionOf(rules),
        // What this instance serves now, with the defaults filled in.
        effective: book.placements.get(name) ?? null,
      })),
    });
  });

  router.put('/placements/:name', ...jsonBody, (req, res) =>
    answering(res, () => {
      const name = parsed(placementName, req.params.name, 'placement');
      const body = parsed(editBody, req.body, 'body');
      return save(res, name, body.rules, body.version).then((saved) => ({
        ...saved,
        warnings: unknownProducts(body.rules),
      }));
    }),
  );

  router.post('/preview', ...jsonBody, (req, res) =>
    answering(res, async () => {
      const body = parsed(
        z.strictObject({
          placement: z.string(),
          customer: z.string().optional(),
          items: z.array(z.string()).optional(),
          /** Judge the merchandising's time windows at this instant instead of now: a scheduled rule's shelf. */
          at: z.iso.datetime({ offset: true, error: 'must be a date-time with its offset' }).optional(),
        }),
        req.body,
        'body',
      );
      const request = parseRecommendationBody({
        placement: body.placement,
        ...(body.customer ? { userId: body.customer } : {}),
        items: body.items ?? [],
      });
      // A real request, as that shopper's would be: it counts in the metrics and warms the cache alike.
      const at = body.at === undefined ? undefined : Date.parse(body.at);
      const timed = await deps.shelfService.recommend(request, undefined, undefined, undefined, at);
      const { answer } = timed;
      return {
        placement: answer.placement,
        customer: body.customer ?? null,
        at: body.at ?? null,
        source: answer.source,
        fallbackReason: answer.fallbackReason,
        model: answer.model,
        warnings: answer.warnings ?? [],
        beforeRules: timed.beforeRules.map(card),
        items: answer.items.map(card),
      };
    }),
  );

  router.get('/audit', (_req, res) => res.json({ file: audit.path, entries: audit.entries() }));

  router.post('/audit/:id/revert', ...jsonBody, (req, res) =>
    answering(res, () => {
      const entry = audit.find(String(req.params.id));
      if (!entry) throw new ApiError(404, 'not_found', `no audit entry ${String(req.params.id).slice(0, 64)}`);
      const now = editor.read().placements[entry.placement] ?? null;
      if (versionOf(now) !== versionOf(entry.after))
        throw new EditConflictError(
          `placements.${entry.placement} changed after this edit: revert the later changes first, newest first`,
        );
      return save(res, entry.placement, entry.before, versionOf(now), entry.id);
    }),
  );

  return router;
}
