// The shelves admin page: everything it shows comes from /admin/api/ and is put on the page as text
// (textContent, attribute values), never parsed as HTML: product titles and user names are untrusted.

const keyStore = 'reco-admin-key';
const $ = (selector) => document.querySelector(selector);
const state = { placements: [], selected: undefined, lastPreview: undefined };

/** An element with properties (`text` for its text) and children. */
function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (value === undefined || value === false) continue;
    if (name === 'text') node.textContent = String(value);
    else if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat()) if (child !== undefined) node.append(child);
  return node;
}

function say(message, error = false) {
  $('#status').textContent = message;
  $('#status').classList.toggle('error', error);
}

/** Thrown when the page shows the sign-in form instead. */
class SignInNeeded extends Error {}

/** Calls the admin API; a change carries the header that proves it comes from this page. */
async function api(method, path, body) {
  const headers = { 'X-Reco-Admin': '1' };
  const key = sessionStorage.getItem(keyStore);
  if (key) headers.Authorization = `Bearer ${key}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch(`/admin/api${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: 'same-origin',
  });
  const answer = await response.json().catch(() => ({}));
  if (response.status === 401) {
    const byKey = /^Bearer/.test(response.headers.get('WWW-Authenticate') ?? '');
    if (byKey) {
      showSignIn(key ? 'That key was not accepted.' : '');
      throw new SignInNeeded();
    }
    throw new Error(answer.error?.message ?? 'not signed in');
  }
  if (!response.ok) throw new Error(answer.error?.message ?? `${response.status}`);
  return answer;
}

function showSignIn(message) {
  sessionStorage.removeItem(keyStore);
  $('#app').hidden = true;
  $('#sign-in').hidden = false;
  $('#sign-out').hidden = true;
  if (message) say(message, true);
}

/** A `datetime-local` value as an instant with its offset (UTC), or undefined when empty. */
const instant = (value) => (value ? new Date(value).toISOString() : undefined);
const when = (iso) => (iso ? new Date(iso).toLocaleString() : '');
const windowText = (rule) =>
  [rule.from && `from ${when(rule.from)}`, rule.until && `until ${when(rule.until)}`].filter(Boolean).join(' ') ||
  'always';
const targetText = (rule) => (rule.itemId ? `product ${rule.itemId}` : `category ${rule.category}`);

/** Saves placement `name`'s rules (validated by the proxy) and reloads what the page shows. */
async function save(placement, rules, what) {
  try {
    const saved = await api('PUT', `/placements/${encodeURIComponent(placement.name)}`, {
      rules,
      version: placement.version,
    });
    const warnings = saved.warnings?.length ? ` Note: ${saved.warnings.join('; ')}.` : '';
    say(`${what}: saved${saved.live ? ', live now' : ''}.${warnings}`, warnings !== '');
    await load();
    if (state.lastPreview?.placement === placement.name) await preview(state.lastPreview);
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

function field(label, props) {
  return el('label', {}, `${label} `, el('input', props));
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

function renderPlacement(placement) {
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

function cardList(items) {
  if (items.length === 0) return el('p', { class: 'muted', text: 'No cards.' });
  return el(
    'ol',
    { class: 'cards' },
    ...items.map((item) =>
      el(
        'li',
        { 'data-id': item.id },
        el('span', { class: 'title', text: item.title }),
        el('span', { class: `reason reason-${String(item.reason).replace(/[^a-z]/g, '')}`, text: item.reason ?? '' }),
        el('div', { class: 'muted', text: `${item.id} · ${item.category}` }),
      ),
    ),
  );
}

function renderPreviewForm() {
  const form = el(
    'form',
    { id: 'preview-form' },
    field('Customer id', { name: 'customer', placeholder: 'blank: anonymous', size: 12 }),
    field('Context product ids', { name: 'items', placeholder: 'e.g. 85123A, 22423', size: 18 }),
    field('As on', { name: 'at', type: 'datetime-local', title: 'blank: now' }),
    el('button', { text: 'Preview' }),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const data = Object.fromEntries(new FormData(form));
    const items = data.items
      .split(/[\s,]+/)
      .map((id) => id.trim())
      .filter(Boolean);
    preview({
      placement: state.selected,
      ...(data.customer.trim() ? { customer: data.customer.trim() } : {}),
      items,
      ...(data.at ? { at: instant(data.at) } : {}),
    });
  });
  $('#preview').replaceChildren(
    el('h2', { id: 'preview-title', text: 'Preview' }),
    form,
    el('div', { id: 'preview-result' }),
  );
}

async function preview(request) {
  state.lastPreview = request;
  try {
    const shown = await api('POST', '/preview', request);
    const who = shown.customer ? `customer ${shown.customer}` : 'an anonymous shopper';
    const from = shown.source === 'fallback' ? `the rules (${shown.fallbackReason})` : `the ${shown.source}`;
    $('#preview-result').replaceChildren(
      el('p', {
        class: 'muted',
        text: `“${shown.placement}” as ${who} sees it ${shown.at ? `on ${when(shown.at)}` : 'now'}, from ${from}.`,
      }),
      el(
        'div',
        { class: 'columns' },
        el('div', { id: 'before-rules' }, el('h3', { text: 'Without your rules' }), cardList(shown.beforeRules)),
        el('div', { id: 'final-shelf' }, el('h3', { text: 'Final shelf' }), cardList(shown.items)),
      ),
    );
  } catch (error) {
    say(`Preview failed: ${error.message}`, true);
  }
}

function renderAudit(entries) {
  const rows = entries.map((entry) =>
    el(
      'tr',
      { 'data-entry': entry.id },
      el('td', { text: when(entry.at) }),
      el('td', { text: entry.who }),
      el('td', { text: entry.placement }),
      el('td', { text: entry.action }),
      el(
        'td',
        { class: 'diff' },
        entry.diff.map((c) => `${c.path}: ${JSON.stringify(c.before)} → ${JSON.stringify(c.after)}`).join('\n'),
      ),
      el(
        'td',
        {},
        el('button', {
          type: 'button',
          text: 'Revert',
          onclick: async () => {
            try {
              await api('POST', `/audit/${encodeURIComponent(entry.id)}/revert`, {});
              say(`Reverted the ${entry.action} of “${entry.placement}” by ${entry.who}.`);
              await load();
              if (state.lastPreview?.placement === entry.placement) await preview(state.lastPreview);
            } catch (error) {
              say(`Not reverted: ${error.message}`, true);
            }
          },
        }),
      ),
    ),
  );
  $('#audit').replaceChildren(
    el('h2', { id: 'audit-title', text: 'Changes' }),
    entries.length === 0
      ? el('p', { class: 'muted', text: 'No change made here yet.' })
      : el(
          'table',
          {},
          el('tr', {}, ...['when', 'who', 'placement', 'what', 'diff', ''].map((h) => el('th', { text: h }))),
          ...rows,
        ),
  );
}

async function load() {
  const [{ placements }, { entries }] = await Promise.all([api('GET', '/placements'), api('GET', '/audit')]);
  state.placements = placements;
  state.selected ??= placements[0]?.name;
  $('#sign-in').hidden = true;
  $('#app').hidden = false;
  $('#sign-out').hidden = !sessionStorage.getItem(keyStore);
  $('#placements').replaceChildren(
    ...placements.map((p) =>
      el(
        'li',
        {},
        el('button', {
          type: 'button',
          text: p.name,
          'aria-current': String(p.name === state.selected),
          onclick: () => {
            state.selected = p.name;
            state.lastPreview = undefined;
            renderPreviewForm();
            load();
          },
        }),
      ),
    ),
  );
  const selected = placements.find((p) => p.name === state.selected);
  if (selected) renderPlacement(selected);
  if (!$('#preview-form')) renderPreviewForm();
  renderAudit(entries);
}

$('#sign-in').addEventListener('submit', (event) => {
  event.preventDefault();
  sessionStorage.setItem(keyStore, new FormData(event.target).get('key'));
  say('');
  start();
});
$('#sign-out').addEventListener('click', () => showSignIn('Signed out.'));
function start() {
  load().catch((error) => {
    if (!(error instanceof SignInNeeded)) say(error.message, true);
  });
}
start();
