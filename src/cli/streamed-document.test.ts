import { describe, expect, it } from 'vitest';
import { document } from './output.js';
import { streamedItems } from './streamed-document.js';

async function* pagesOf<T>(items: readonly T[], size: number): AsyncGenerator<{ items: T[] }> {
  for (let i = 0; i < items.length; i += size)
    yield await Promise.resolve({ items: items.slice(i, i + size) });
}

const collect = async (parts: AsyncIterable<string>): Promise<string> => {
  let text = '';
  for await (const part of parts) text += part;
  return text;
};

describe('a document streamed a page at a time', () => {
  const items = Array.from({ length: 7 }, (_, i) => ({
    seq: i + 1,
    actor: i % 2 ? 'bob' : 'alice',
    data: { comment: i === 3 ? 'line one\nline "two": <x>' : undefined, list: [i, { nested: true }] },
    exceptionId: i === 5 ? null : i,
  }));
  for (const format of ['json', 'yaml'] as const)
    it(`prints in ${format} exactly what the whole document prints, across pages and when empty`, async () => {
      for (const size of [1, 3, 7, 100])
        expect(await collect(streamedItems(pagesOf(items, size), format))).toBe(document({ items }, format));
      expect(await collect(streamedItems(pagesOf([], 3), format))).toBe(document({ items: [] }, format));
    });
});
