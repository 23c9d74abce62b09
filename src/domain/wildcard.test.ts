import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { literalPrefix, wildcardMatch } from './wildcard.js';

const vectors = JSON.parse(
  readFileSync(new URL('../../test/fixtures/kyverno/wildcard.json', import.meta.url), 'utf8'),
) as {
  cases: { pattern: string; text: string; matched: boolean }[];
};

describe('wildcard match (Kyverno vectors)', () => {
  it.each(vectors.cases.map((c) => [c.pattern, c.text, c.matched] as const))(
    '%j ~ %j = %s',
    (pattern, text, matched) => {
      expect(wildcardMatch(pattern, text)).toBe(matched);
    },
  );

  it('treats ? as exactly one character', () => {
    expect(wildcardMatch('a?c', 'abc')).toBe(true);
    expect(wildcardMatch('a?c', 'ac')).toBe(false);
    expect(literalPrefix('app-*-x?')).toBe('app-');
  });
});
