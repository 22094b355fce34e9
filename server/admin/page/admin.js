// The shelves admin page: the placements, the chosen one's rules (placement-editor.js), a preview and the log of
// changes. Everything it shows comes from /admin/api/ and is put on the page as text (page-kit.js).
import { renderPlacement } from './placement-editor.js';
import { $, api, el, field, instant, keyStore, SignInNeeded, say, showSignIn, when } from './page-kit.js';

const state = { placements: [], selected: undefined, lastPreview: undefined };

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
  if (selected)
    renderPlacement(selected, async () => {
      await load();
      if (state.lastPreview?.placement === selected.name) await preview(state.lastPreview);
    });
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
