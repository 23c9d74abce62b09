import { allRead, firstPaintCalls, startFirstCalls, TOKEN_KEY } from './first-calls';
import { keepTyped, startFirstPaint } from './first-paint-start';
import { parseRoute } from './route';
import './styles.css';

// This script is small, loads async and runs first: the first page's calls go out now and its first
// paint waits for them (unless the page's inline script, early.ts, has started both already), while the
// browser still fetches React and the app (index.html preloads them).
startFirstCalls();
const firstPaint = startFirstPaint();

/**
 * How long React waits for the first calls' answers before it renders without them: it renders the
 * signed-in page from them in one go, but a server that answers slowly must not keep the app from starting.
 */
const FIRST_CALLS_WAIT_MS = 1500;

const start = async () => {
  const root = document.getElementById('root');
  if (!root) return;
  if (firstPaintCalls(parseRoute(window.location.hash)).length > 0 && sessionStorage.getItem(TOKEN_KEY)) {
    // React's first render is the whole signed-in page when every first call has answered: until then it
    // would only say "Signing in…" over the rows drawn without it.
    await Promise.race([
      allRead().then(() => firstPaint.done),
      new Promise((resolve) => setTimeout(resolve, FIRST_CALLS_WAIT_MS)),
    ]);
  }
  firstPaint.reactStarted = true;
  import('./boot').then(
    (app) => {
      // Filters typed into the page drawn before React stay typed in React's.
      const typed = keepTyped(root);
      app.boot(root);
      typed();
    },
    (error: unknown) => {
      root.textContent = `The page did not load (${error instanceof Error ? error.message : String(error)}); reload to try again.`;
    },
  );
};
if (document.readyState === 'loading')
  document.addEventListener('DOMContentLoaded', () => void start(), { once: true });
else void start();
