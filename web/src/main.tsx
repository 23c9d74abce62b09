import { inViewersZone } from './components/local-time';
import { allRead, firstPaintCalls, startFirstCalls, TOKEN_KEY, whenRead } from './first-calls';
import { firstPaintHtml, type FirstPaintInput } from './first-paint';
import { parseRoute } from './route';
import './styles.css';

// This script is small, loads async and runs first: the first page's calls go out now (unless the page's
// inline script, early.ts, has started them already), while the browser still fetches React and the app
// (index.html preloads them), instead of after it has run them.
startFirstCalls();

/**
 * How long React waits for the first calls' answers before it renders without them: it renders the
 * signed-in page from them in one go (see paintFirst), but a server that answers slowly must not keep
 * the app from starting.
 */
const FIRST_CALLS_WAIT_MS = 1500;

const route = parseRoute(window.location.hash);
const token = sessionStorage.getItem(TOKEN_KEY);
/** Set once React renders into the page: from then on, only React writes there. */
let reactStarted = false;

/**
 * The inventory's first page, drawn without React as soon as its rows and the user have arrived (before
 * React has loaded, or while it compiles): the rows appear when the data does. React renders the same
 * markup over it (first-paint.test.ts). Other pages wait for React.
 */
async function paintFirst(root: HTMLElement): Promise<void> {
  if (route.page !== 'exceptions' || !token) return;
  const [list, who] = firstPaintCalls(route);
  if (list === undefined || who === undefined) return;
  const answers = Promise.all([whenRead(list, token), whenRead(who, token)]);
  // The browser's first date format loads its locale data (tens of milliseconds): done while the answers
  // are on the wire rather than after.
  inViewersZone(0);
  const [page, me] = await answers;
  if (reactStarted || page === undefined || me === undefined) return;
  // The server's JSON, as the OpenAPI document describes it.
  const html = firstPaintHtml({
    me: me as FirstPaintInput['me'],
    route,
    page: page as FirstPaintInput['page'],
    now: Date.now(),
  });
  if (html === undefined) return;
  root.innerHTML = html;
  // React starts once the rows are on screen: compiling and running it first would hold that frame back.
  await new Promise((painted) => requestAnimationFrame(() => setTimeout(painted, 0)));
}

const start = async () => {
  const root = document.getElementById('root');
  if (!root) return;
  if (route.page === 'exceptions' && token) {
    // What React's sign-in shows while the session's answers are on the wire, shown without waiting for it.
    root.innerHTML = '<p class="loading" role="status">Signing in…</p>';
    // React's first render is the whole signed-in page when every first call has answered: until then it
    // would only say "Signing in…" over the rows drawn here.
    const painted = paintFirst(root);
    await Promise.race([
      allRead().then(() => painted),
      new Promise((resolve) => setTimeout(resolve, FIRST_CALLS_WAIT_MS)),
    ]);
  }
  reactStarted = true;
  import('./boot').then(
    (app) => app.boot(root),
    (error: unknown) => {
      root.textContent = `The page did not load (${error instanceof Error ? error.message : String(error)}); reload to try again.`;
    },
  );
};
if (document.readyState === 'loading')
  document.addEventListener('DOMContentLoaded', () => void start(), { once: true });
else void start();
