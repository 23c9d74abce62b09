import { categories } from '../../src/domain/exception';
import { relativeTime } from '../../src/domain/time';
import { inViewersZone } from './components/local-time';
import { href, type Route } from './route';
import { endedStates, nav, stateFilters, titles, usable } from './shell';

/**
 * The inventory's first page drawn without React: index.html's inline script (early.ts, through
 * first-paint-start.ts) writes it into the page as soon as the page's first calls have answered, while
 * React and the app are still loading or compiling.
 * React then renders the same page over it (app.tsx and pages/exceptions.tsx; first-paint.test.ts holds
 * the two to the same markup), so the rows appear once the data is here, not once the framework has run.
 * Nothing here may import React or a page: it travels in the inline script.
 */

export interface FirstPaintInput {
  me: { name: string; roles: readonly string[] };
  route: Extract<Route, { page: 'exceptions' }>;
  page: {
    items: readonly {
      id: string;
      name: string;
      state: string;
      endReason?: string | null;
      namespaces: readonly string[];
      policy: string;
      category: string;
      expiresAt: string | null;
      syncStatus: string;
      target: string;
    }[];
    continue?: string;
  };
  now: number;
}

/** Text and attribute values as React writes them. */
const esc = (text: string): string =>
  text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#x27;');

/** The page's markup, or undefined when the first page is empty (React draws the empty state). */
export function firstPaintHtml({ me, route, page, now }: FirstPaintInput): string | undefined {
  if (page.items.length === 0) return undefined;
  const roles = me.roles.join(', ');
  const links = nav
    .filter((n) => usable(me.roles, n.page))
    .map(
      (n) =>
        `<li><a href="${esc(href(n.path))}"${n.page === 'exceptions' ? ' aria-current="page"' : ''}>${esc(n.label)}</a></li>`,
    )
    .join('');
  const header =
    `<a class="skip" href="#main">Skip to content</a><header class="top"><a class="brand" href="${esc(href('/'))}">Waiver</a>` +
    `<nav aria-label="Pages"><ul>${links}</ul></nav><div class="who"><span title="${esc(roles)}">${esc(me.name)} ` +
    `<span class="muted">(${esc(roles)})</span></span><button type="button" class="secondary">Sign out</button></div></header>`;
  return `${header}<main id="main"><h1 tabindex="-1">${esc(titles.exceptions)}</h1>${filters(route.query)}${table(page.items, now)}${pager(page.continue)}</main>`;
}

const option = (value: string, chosen: string, text = value, withValue = false): string =>
  `<option${withValue ? ` value="${esc(value)}"` : ''}${value === chosen ? ' selected=""' : ''}>${esc(text)}</option>`;

function filters(query: URLSearchParams): string {
  const given = (name: string) => query.get(name) ?? '';
  const input = (name: string, placeholder?: string, type?: string) =>
    `<input${type ? ` type="${type}"` : ''}${placeholder ? ` placeholder="${esc(placeholder)}"` : ''} name="${name}" value="${esc(given(name))}"/>`;
  const state = given('state');
  const category = given('category');
  const sort = given('sort');
  const stateOptions =
    option('', state, 'any', true) +
    stateFilters.map((s) => option(s, state)).join('') +
    (state && !stateFilters.includes(state) ? option(state, state, `${state} (unknown)`, true) : '');
  return (
    `<form class="filters" aria-label="Filter exceptions">` +
    `<label>Search${input('search', 'name, ticket, requestor, reason', 'search')}</label>` +
    `<label>State<select name="state">${stateOptions}</select></label>` +
    `<label>Namespace${input('namespace', 'payments')}</label>` +
    `<label>Policy${input('policy')}</label>` +
    `<label>Category<select name="category">${option('', category, 'any', true)}${categories.map((c) => option(c, category)).join('')}</select></label>` +
    `<label>Expiring within${input('expiringWithin', '7d')}</label>` +
    `<label>Order<select name="sort">${option('', sort, 'oldest request first', true)}${option('newest', sort, 'newest request first', true)}${option('expiry', sort, 'soonest expiry first', true)}</select></label>` +
    `<button type="submit">Filter</button></form>`
  );
}

function table(items: FirstPaintInput['page']['items'], now: number): string {
  const headers = ['ID', 'Name', 'State', 'Namespaces', 'Policy', 'Category', 'Expires', 'Sync', 'Target'];
  const cell = (header: string, content: string) => `<td data-label="${header}">${content}</td>`;
  const expires = (e: FirstPaintInput['page']['items'][number]) => {
    if (endedStates.includes(e.state)) return '<span class="muted">ended</span>';
    if (!e.expiresAt) return '<span class="muted">—</span>';
    const ms = Date.parse(e.expiresAt);
    return (
      `<time dateTime="${esc(e.expiresAt)}" title="${esc(`${e.expiresAt} (UTC)`)}">${esc(inViewersZone(ms))}` +
      `<span class="muted"> (${esc(relativeTime(ms, now))})</span></time>`
    );
  };
  const rows = items
    .map(
      (e) =>
        `<tr>${cell('ID', `<a href="${esc(href(`/exceptions/${e.id}`))}">${esc(e.id)}</a>`)}` +
        cell('Name', esc(e.name)) +
        cell(
          'State',
          `<span class="badge state-${esc(e.state)}">${esc(e.state)}</span>` +
            (e.state === 'removed' && e.endReason ? `<span class="muted"> (${esc(e.endReason)})</span>` : ''),
        ) +
        cell('Namespaces', esc(e.namespaces.join(', '))) +
        cell('Policy', esc(e.policy)) +
        cell('Category', esc(e.category)) +
        cell('Expires', expires(e)) +
        cell('Sync', esc(e.syncStatus)) +
        cell('Target', esc(e.target)) +
        '</tr>',
    )
    .join('');
  return (
    `<div class="table-wrap"><table class="data"><caption>Page 1, ${items.length} shown</caption>` +
    `<thead><tr>${headers.map((h) => `<th scope="col">${h}</th>`).join('')}</tr></thead><tbody>${rows}</tbody></table></div>`
  );
}

const pager = (next: string | undefined): string =>
  `<nav class="pager" aria-label="Pages of exceptions"><button type="button" class="secondary" disabled="">Previous</button>` +
  `<button type="button" class="secondary"${next ? '' : ' disabled=""'}>Next</button></nav>`;
