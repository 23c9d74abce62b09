/**
 * Kyverno's wildcard match (go-wildcard semantics): `*` is any sequence, also empty; `?` is exactly one
 * character; case-sensitive; the whole string; no escapes.
 */
export function wildcardMatch(pattern: string, text: string): boolean {
  let p = 0;
  let t = 0;
  let starP = -1;
  let starT = 0;
  while (t < text.length) {
    const pc = pattern[p];
    if (pc === '*') {
      starP = p++;
      starT = t;
    } else if (pc !== undefined && (pc === '?' || pc === text[t])) {
      p++;
      t++;
    } else if (starP >= 0) {
      p = starP + 1;
      t = ++starT;
    } else {
      return false;
    }
  }
  while (pattern[p] === '*') p++;
  return p === pattern.length;
}

export const hasWildcard = (pattern: string): boolean => /[*?]/.test(pattern);

/** The characters before the first wildcard: how specific a pattern is. */
export const literalPrefix = (pattern: string): string => pattern.split(/[*?]/, 1)[0] ?? '';
