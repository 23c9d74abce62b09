import { inViewersZone } from './components/local-time';
import { firstPaintCalls, TOKEN_KEY, whenRead } from './first-calls';
import { firstPaintHtml, type FirstPaintInput } from './first-paint';
import { inventoryHref, parseRoute } from './route';

/**
 * When the inventory is drawn before React (first-paint.ts): as soon as its answers are here and the
 * page is parsed. Started by index.html's inline script (early.ts), which the entry script need not wait
 * for; once per page, shared on the window with the entry's copy of this module.
 */
export interface FirstPaint {
  /** Settles once the rows are on screen, or when there is nothing to draw. */
  done: Promise<void>;
  /** Set when React renders into the page: from then on, only React writes there. */
  reactStarted: boolean;
}

const page = globalThis as { waiverFirstPaint?: FirstPaint };

const parsed = (): Promise<void> =>
  new Promise((resolve) => {
    if (document.readyState === 'loading')
      document.addEventListener('DOMContentLoaded', () => resolve(), { once: true });
    else resolve();
  });

/** Starts the first paint of this page, once; its state. */
export function startFirstPaint(): FirstPaint {
  if (page.waiverFirstPaint) return page.waiverFirstPaint;
  const state: FirstPaint = { done: Promise.resolve(), reactStarted: false };
  page.waiverFirstPaint = state;
  const hash = window.location.hash;
  const route = parseRoute(hash);
  const token = sessionStorage.getItem(TOKEN_KEY);
  const [list, who] = firstPaintCalls(route);
  if (route.page !== 'exceptions' || !token || list === undefined || who === undefined) return state;
  // Nothing is written once React has the page, or once the visitor has asked for other filters.
  const ours = () => !state.reactStarted && window.location.hash === hash;
  state.done = (async () => {
    const answers = Promise.all([whenRead(list, token), whenRead(who, token)]);
    await parsed();
    const root = document.getElementById('root');
    if (!root || !ours()) return;
    // What React's sign-in shows while the session's answers are on the wire, shown without waiting for it.
    root.innerHTML = '<p class="loading" role="status">Signing in…</p>';
    // The browser's first date format loads its locale data (tens of milliseconds): done while the
    // answers are on the wire rather than after.
    inViewersZone(0);
    const [data, me] = await answers;
    if (!ours() || data === undefined || me === undefined) return;
    // The server's JSON, as the OpenAPI document describes it.
    const html = firstPaintHtml({
      me: me as FirstPaintInput['me'],
      route,
      page: data as FirstPaintInput['page'],
      now: Date.now(),
    });
    if (html === undefined) return;
    root.innerHTML = html;
    // Filters asked for before React has the page: the page they name, as React's form would open it.
    root.querySelector('form.filters')?.addEventListener('submit', (event) => {
      event.preventDefault();
      if (event.currentTarget instanceof HTMLFormElement)
        window.location.hash = inventoryHref(new FormData(event.currentTarget));
    });
    // React starts once the rows are on screen: compiling and running it first would hold that frame back.
    await new Promise((painted) => requestAnimationFrame(() => setTimeout(painted, 0)));
  })();
  return state;
}

type Control = HTMLInputElement | HTMLSelectElement;
const isControl = (el: unknown): el is Control =>
  el instanceof HTMLInputElement || el instanceof HTMLSelectElement;

/**
 * What the visitor has typed or chosen in the filters drawn before React, and where their cursor is: the
 * function it returns puts them back into React's form once React has rendered over the page (React's form
 * starts from the URL, as the first paint's did).
 */
export function keepTyped(root: HTMLElement): () => void {
  const form = root.querySelector('form.filters');
  if (!(form instanceof HTMLFormElement)) return () => undefined;
  const values = [...form.elements].filter(isControl).map((el) => [el.name, el.value] as const);
  const active = document.activeElement;
  const focused = isControl(active) && form.contains(active) ? active : undefined;
  const selection =
    focused instanceof HTMLInputElement
      ? ([focused.selectionStart, focused.selectionEnd] as const)
      : undefined;
  return () => {
    const now = root.querySelector('form.filters');
    if (!(now instanceof HTMLFormElement)) return;
    for (const [name, value] of values) {
      const el = now.elements.namedItem(name);
      if (isControl(el)) el.value = value;
    }
    const refocus = focused && now.elements.namedItem(focused.name);
    if (!isControl(refocus)) return;
    refocus.focus();
    if (refocus instanceof HTMLInputElement && selection?.[0] != null && selection[1] != null)
      refocus.setSelectionRange(selection[0], selection[1]);
  };
}
