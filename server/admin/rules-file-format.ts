/**
 * Writes the rules file the way a person writes it, so an admin page's edit is a small, reviewable diff:
 * two-space indents, every object key on its own line, a list on one line when it fits in 120 columns.
 */

const width = 120;

function inline(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(inline).join(', ')}]`;
  if (value !== null && typeof value === 'object')
    return `{ ${Object.entries(value)
      .map(([k, v]) => `${JSON.stringify(k)}: ${inline(v)}`)
      .join(', ')} }`.replace('{  }', '{}');
  return JSON.stringify(value);
}

function block(value: unknown, indent: string, lead: number): string {
  if (Array.isArray(value)) {
    const one = inline(value);
    if (lead + one.length <= width) return one;
    const inner = `${indent}  `;
    return `[\n${value.map((v) => `${inner}${block(v, inner, inner.length)}`).join(',\n')}\n${indent}]`;
  }
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value);
    if (entries.length === 0) return '{}';
    const inner = `${indent}  `;
    const lines = entries.map(([k, v]) => {
      const key = `${inner}${JSON.stringify(k)}: `;
      return `${key}${block(v, inner, key.length)}`;
    });
    return `{\n${lines.join(',\n')}\n${indent}}`;
  }
  return JSON.stringify(value);
}

/** The rules file's text for `doc`, ending in a newline. */
export function formatRulesFile(doc: unknown): string {
  return `${block(doc, '', 0)}\n`;
}
