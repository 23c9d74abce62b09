import { startFirstCalls } from './first-calls';
import './styles.css';

// This script is small, loads async and runs first: the first page's calls go out now, while the browser
// still fetches React and the app (index.html preloads them), instead of after it has run them.
startFirstCalls();
const boot = () => {
  const root = document.getElementById('root');
  if (!root) return;
  import('./boot').then(
    (app) => app.boot(root),
    (error: unknown) => {
      root.textContent = `The page did not load (${error instanceof Error ? error.message : String(error)}); reload to try again.`;
    },
  );
};
if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', boot, { once: true });
else boot();
