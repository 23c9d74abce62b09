/**
 * User text (a reason, a comment, a name) is data, never markup: each channel's escape makes `<script>`,
 * `*bold*`, `<!channel>` and links arrive as the characters they are.
 */

/** Slack: `&`, `<` and `>` are its only control characters (mentions and links live inside `<…>`). */
export const escapeSlack = (text: string): string =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export { escapeHtml } from '../domain/escape-html.js';

/**
 * Adaptive Card text is a Markdown subset (emphasis, links, lists): each of its control characters is
 * escaped with a backslash, and so is what would start a list or a quote at the start of a line.
 */
export const escapeCardMarkdown = (text: string): string =>
  text.replace(/[\\*_~`[\]()#!]/g, '\\$&').replace(/^(\s*)([-+>]|\d+\.)(?=\s)/gm, '$1\\$2');

/** At most `max` characters, with an ellipsis when cut. */
export const truncate = (text: string, max: number): string =>
  text.length <= max ? text : `${text.slice(0, max - 1)}…`;
