/**
 * The admin page's audit log: one JSON line per change (who, when, which placement, its rules before and
 * after, and the diff), appended and flushed to disk before the change replaces the rules file. It lives
 * beside the rules file (`placements.json` → `placements.audit.jsonl`), so every instance that shares the
 * rules shares their history; the before of each entry is what its one-click revert restores.
 */
import { randomUUID } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** One change of the rules a key's path away: `pin` from `[]` to `[{…}]`. */
export interface RuleChange {
  path: string;
  before: unknown;
  after: unknown;
}

/** One line of the audit log. */
export interface AuditEntry {
  id: string;
  /** ISO 8601, UTC. */
  at: string;
  who: string;
  placement: string;
  action: 'edit' | 'revert';
  /** The entry this one reverted. */
  revertOf?: string;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  diff: RuleChange[];
}

/** Where the audit log of the rules file `rulesPath` is. */
export function auditPathFor(rulesPath: string): string {
  return join(dirname(rulesPath), `${basename(rulesPath).replace(/\.json$/, '')}.audit.jsonl`);
}

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/** What changed between two placements' rules, key by key (a list is one value). */
export function diffRules(before: Record<string, unknown> | null, after: Record<string, unknown> | null): RuleChange[] {
  const keys = new Set([...Object.keys(before ?? {}), ...Object.keys(after ?? {})]);
  return [...keys]
    .filter((key) => !same(before?.[key], after?.[key]))
    .map((key) => ({ path: key, before: before?.[key] ?? null, after: after?.[key] ?? null }));
}

/** The audit log at one path. */
export class AuditLog {
  constructor(readonly path: string) {}

  /** Appends an entry and flushes it to disk; returns it. */
  append(fields: Omit<AuditEntry, 'id' | 'at' | 'diff'>, now = new Date()): AuditEntry {
    const entry: AuditEntry = {
      id: randomUUID(),
      at: now.toISOString(),
      ...fields,
      diff: diffRules(fields.before, fields.after),
    };
    const fd = openSync(this.path, 'a', 0o644);
    try {
      writeSync(fd, `${JSON.stringify(entry)}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    return entry;
  }

  /** The entries, newest first, at most `limit`; a torn last line (a crash mid-write) is skipped. */
  entries(limit = 200): AuditEntry[] {
    if (!existsSync(this.path)) return [];
    const lines = readFileSync(this.path, 'utf8').split('\n').filter(Boolean);
    const entries: AuditEntry[] = [];
    for (const line of lines.reverse()) {
      if (entries.length >= limit) break;
      try {
        entries.push(JSON.parse(line) as AuditEntry);
      } catch {}
    }
    return entries;
  }

  /** The entry with `id`, however old. */
  find(id: string): AuditEntry | undefined {
    return this.entries(Number.POSITIVE_INFINITY).find((e) => e.id === id);
  }
}
