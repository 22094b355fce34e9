// What every part of the admin page shares: making elements (text only, never HTML: product titles and user
// names are untrusted), the status line, and calling the admin API with the tab's key.

export const keyStore = 'reco-admin-key';
export const $ = (selector) => document.querySelector(selector);

/** An element with properties (`text` for its text) and children. */
export function el(tag, props = {}, ...children) {
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

export function say(message, error = false) {
  $('#status').textContent = message;
  $('#status').classList.toggle('error', error);
}

/** Thrown when the page shows the sign-in form instead. */
export class SignInNeeded extends Error {}

/** Calls the admin API; a change carries the header that proves it comes from this page. */
export async function api(method, path, body) {
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

export function showSignIn(message) {
  sessionStorage.removeItem(keyStore);
  $('#app').hidden = true;
  $('#sign-in').hidden = false;
  $('#sign-out').hidden = true;
  if (message) say(message, true);
}

/** A `datetime-local` value as an instant with its offset (UTC), or undefined when empty. */
export const instant = (value) => (value ? new Date(value).toISOString() : undefined);
export const when = (iso) => (iso ? new Date(iso).toLocaleString() : '');

/** A labelled input. */
export function field(label, props) {
  return el('label', {}, `${label} `, el('input', props));
}
