import { startFirstCalls } from './first-calls';
import { startFirstPaint } from './first-paint-start';

/**
 * The page's first script, built into index.html as an inline script (scripts/build-web.mjs; the server
 * names its hash in the page's CSP): the first page's API calls go out while the HTML is parsed, before
 * the entry script has been fetched, and the inventory is drawn from their answers as soon as they are
 * here, whether or not the entry has arrived. The app takes their answers (first-calls.ts).
 */
startFirstCalls();
startFirstPaint();
