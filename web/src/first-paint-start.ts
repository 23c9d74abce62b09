import { inViewersZone } from './components/local-time';
import { firstPaintCalls, TOKEN_KEY, whenRead } from './first-calls';
import { firstPaintHtml, type FirstPaintInput } from './first-paint';
import { parseRoute } from './route';

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
  const route = parseRoute(window.location.hash);
  const token = sessionStorage.getItem(TOKEN_KEY);
  const [list, who] = firstPaintCalls(route);
  if (route.page !== 'exceptions' || !token || list === undefined || who === undefined) return state;
  state.done = (async () => {
    const answers = Promise.all([whenRead(list, token), whenRead(who, token)]);
    await parsed();
    const root = document.getElementById('root');
    if (!root || state.reactStarted) return;
    // What React's sign-in shows while the session's answers are on the wire, shown without waiting for it.
    root.innerHTML = '<p class="loading" role="status">Signing in…</p>';
    // The browser's first date format loads its locale data (tens of milliseconds): done while the
    // answers are on the wire rather than after.
    inViewersZone(0);
    const [data, me] = await answers;
    if (state.reactStarted || data === undefined || me === undefined) return;
    // The server's JSON, as the OpenAPI document describes it.
    const html = firstPaintHtml({
      me: me as FirstPaintInput['me'],
      route,
      page: data as FirstPaintInput['page'],
      now: Date.now(),
    });
    if (html === undefined) return;
    root.innerHTML = html;
    // React starts once the rows are on screen: compiling and running it first would hold that frame back.
    await new Promise((painted) => requestAnimationFrame(() => setTimeout(painted, 0)));
  })();
  return state;
}
