import { describe, expect, it } from 'vitest';
import { pages, type Page } from './paging.js';

/** A listing of 1..7 served three at a time, recording which pages were asked for. */
function listing() {
  const asked: (number | undefined)[] = [];
  const next = (after: number | undefined): Promise<Page<number>> => {
    asked.push(after);
    const items = [1, 2, 3, 4, 5, 6, 7].filter((n) => n > (after ?? 0)).slice(0, 3);
    const last = items.at(-1);
    return Promise.resolve(last !== undefined && last < 7 ? { items, continue: String(last) } : { items });
  };
  return { asked, next };
}

const collect = async (source: AsyncGenerator<Page<number>>) => {
  const seen: number[] = [];
  for await (const page of source) seen.push(...page.items);
  return seen;
};

describe('paging', () => {
  it('walks a listing from its first page to the last, each page asked for once', async () => {
    const { asked, next } = listing();
    expect(await collect(pages(next))).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(asked).toEqual([undefined, 3, 6]);
  });

  it('starts from a page already in hand', async () => {
    const { asked, next } = listing();
    expect(await collect(pages(next, { items: [1, 2], continue: '2' }))).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(asked).toEqual([2, 5]);
  });
});
