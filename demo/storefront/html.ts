/** Escaping for the storefront's server-rendered pages: catalog text is data, never markup. */
export function escapeHtml(text: string): string {
  return text.replace(
    /[<>&"']/g,
    (ch) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&#39;' })[ch]!,
  );
}

/** A tagged template that escapes every interpolated value unless it is `raw(…)`. */
export function html(strings: TemplateStringsArray, ...values: unknown[]): Raw {
  let out = strings[0]!;
  values.forEach((value, i) => {
    out +=
      value instanceof Raw
        ? value.html
        : Array.isArray(value)
          ? value.map((v) => (v instanceof Raw ? v.html : escapeHtml(String(v)))).join('')
          : escapeHtml(String(value ?? ''));
    out += strings[i + 1]!;
  });
  return new Raw(out);
}

/** Markup that is already safe. */
export class Raw {
  constructor(readonly html: string) {}
}

/** Marks trusted markup. */
export const raw = (markup: string): Raw => new Raw(markup);
