// One placement's rules on the admin page: its pins, boosts, buries and hides with their windows, the forms
// that add one, and the whole rules as JSON. Every change goes through the API, which validates it.
import { $, api, el, field, instant, say, when } from './page-kit.js';

const windowText = (rule) =>
  [rule.from && `from ${when(rule.from)}`, rule.until && `until ${when(rule.until)}`].filter(Boolean).join(' ') ||
  'always';
const targetText = (rule) => (rule.itemId ? `product ${rule.itemId}` : `category ${rule.category}`);

/** Called after each saved change (the page reloads what it shows). */
let afterSave = async () => {};

/** Saves placement `name`'s rules (validated by the proxy) and reloads what the page shows. */
async function save(placement, rules, what) {
  try {
    const saved = await api('PUT', `/placements/${encodeURIComponent(placement.name)}`, {
      rules,
      version: placement.version,
    });
    const warnings = saved.warnings?.length ? ` Note: ${saved.warnings.join('; ')}.` : '';
    say(`${what}: saved${saved.live ? ', live now' : ''}.${warnings}`, warnings !== '');
    await afterSave();
  } catch (error) {
    say(`${what}: not saved. ${error.message}`, true);
  }
}

function ruleTable(placement, kind, columns, describe) {
  const rules = placement.rules[kind] ?? [];
  if (rules.length === 0) return el('p', { class: 'muted', text: `No ${kind} rules.` });
  return el(
    'table',
    {},
    el('tr', {}, ...columns.map((c) => el('th', { text: c })), el('th')),
    ...rules.map((rule, index) =>
      el(
        'tr',
        {},
        ...describe(rule).map((cell) => el('td', { text: cell })),
        el(
          'td',
          {},
          el('button', {
            type: 'button',
            text: 'Remove',
            'aria-label': `Remove ${kind} ${index + 1}`,
            onclick: () => {
              const next = structuredClone(placement.rules);
              next[kind].splice(index, 1);
              if (next[kind].length === 0) delete next[kind];
              save(placement, next, `Remove ${kind} rule`);
            },
          }),
        ),
      ),
    ),
  );
}

/** A product id field that suggests products by id or title as the merchandiser types. */
function productField(label, name) {
  const list = `products-${name}-${Math.random().toString(36).slice(2)}`;
  const options = el('datalist', { id: list });
  const input = el('input', { name, required: true, size: 10, list, autocomplete: 'off' });
  input.addEventListener('input', async () => {
    if (input.value.trim().length < 2) return;
    const { products } = await api('GET', `/products?q=${encodeURIComponent(input.value.trim())}`).catch(() => ({
      products: [],
    }));
    options.replaceChildren(...products.map((p) => el('option', { value: p.id, text: `${p.title} (${p.category})` })));
  });
  return el('label', {}, `${label} `, input, options);
}
function targetSelect() {
  return el(
    'select',
    { name: 'target' },
    el('option', { value: 'itemId', text: 'product id' }),
    el('option', { value: 'category', text: 'category' }),
  );
}

/** A form that adds one rule of `kind` built from its fields. */
function addForm(placement, legend, fields, build) {
  const form = el(
    'form',
    {},
    el('fieldset', {}, el('legend', { text: legend }), ...fields, el('button', { text: legend })),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const data = Object.fromEntries(new FormData(form));
    const [kind, rule] = build(data);
    const next = structuredClone(placement.rules);
    next[kind] = [...(next[kind] ?? []), Object.fromEntries(Object.entries(rule).filter(([, v]) => v !== undefined))];
    save(placement, next, legend);
  });
  return form;
}

/** Shows `placement`'s rules; `saved` runs after each change is saved. */
export function renderPlacement(placement, saved) {
  afterSave = saved;
  const section = $('#placement');
  const e = placement.effective;
  const json = el('textarea', { 'aria-label': 'The placement rules as JSON', spellcheck: 'false' });
  json.value = JSON.stringify(placement.rules, null, 2);
  section.replaceChildren(
    el('h2', { id: 'placement-title', text: `Placement “${placement.name}”` }),
    el('p', {
      class: 'muted',
      text: e
        ? `${e.limit} cards, budget ${e.budgetMs} ms, fallback ${e.fallback.join(' → ')}, ` +
          `filters ${e.filters.join(', ')}`
        : 'Not loaded by this instance yet.',
    }),
    el('h3', { text: 'Pinned' }),
    ruleTable(placement, 'pin', ['product', 'position', 'when'], (r) => [r.itemId, String(r.position), windowText(r)]),
    el('h3', { text: 'Boosted' }),
    ruleTable(placement, 'boost', ['what', 'places up', 'when'], (r) => [
      targetText(r),
      String(r.weight),
      windowText(r),
    ]),
    el('h3', { text: 'Buried' }),
    ruleTable(placement, 'bury', ['what', 'places down', 'when'], (r) => [
      targetText(r),
      String(r.weight),
      windowText(r),
    ]),
    el('h3', { text: 'Hidden' }),
    ruleTable(placement, 'hide', ['what', 'until'], (r) => [targetText(r), r.until ? when(r.until) : 'removed']),
    addForm(
      placement,
      'Pin a product',
      [
        productField('Product id', 'itemId'),
        field('Position', { name: 'position', type: 'number', min: 1, max: 48, value: 1, required: true }),
        field('From', { name: 'from', type: 'datetime-local' }),
        field('Until', { name: 'until', type: 'datetime-local' }),
      ],
      (d) => [
        'pin',
        { itemId: d.itemId.trim(), position: Number(d.position), from: instant(d.from), until: instant(d.until) },
      ],
    ),
    addForm(
      placement,
      'Boost or bury',
      [
        el(
          'select',
          { name: 'kind', 'aria-label': 'Boost or bury' },
          el('option', { value: 'boost', text: 'boost (move up)' }),
          el('option', { value: 'bury', text: 'bury (move down)' }),
        ),
        targetSelect(),
        field('Value', { name: 'value', required: true, size: 14 }),
        field('Places', { name: 'weight', type: 'number', min: 1, max: 48, value: 2, required: true }),
        field('From', { name: 'from', type: 'datetime-local' }),
        field('Until', { name: 'until', type: 'datetime-local' }),
      ],
      (d) => [
        d.kind,
        { [d.target]: d.value.trim(), weight: Number(d.weight), from: instant(d.from), until: instant(d.until) },
      ],
    ),
    addForm(
      placement,
      'Hide',
      [
        targetSelect(),
        field('Value', { name: 'value', required: true, size: 14 }),
        field('Until', { name: 'until', type: 'datetime-local' }),
      ],
      (d) => ['hide', { [d.target]: d.value.trim(), until: instant(d.until) }],
    ),
    el(
      'details',
      {},
      el('summary', { text: 'Every rule of this placement, as JSON' }),
      json,
      el('button', {
        type: 'button',
        text: 'Save JSON',
        onclick: () => {
          let rules;
          try {
            rules = JSON.parse(json.value);
          } catch (error) {
            say(`Not saved: the JSON does not parse (${error.message}).`, true);
            return;
          }
          save(placement, rules, 'Save JSON');
        },
      }),
    ),
  );
}
