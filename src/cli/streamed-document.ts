import { unambiguousYaml } from '../domain/yaml-text.js';

const indent = (text: string, by: string): string =>
  text
    .split('\n')
    .map((line) => (line ? by + line : line))
    .join('\n');

/**
 * `{items: [...]}` as `document()` prints it in json or yaml, written a page at a time: the same text,
 * with only one page in memory however many items there are.
 */
export async function* streamedItems<T>(
  pages: AsyncIterable<{ items: readonly T[] }>,
  format: 'json' | 'yaml',
): AsyncGenerator<string> {
  let first = true;
  for await (const { items } of pages) {
    if (items.length === 0) continue;
    if (format === 'json') {
      const text = items.map((item) => indent(JSON.stringify(item, null, 2), '    ')).join(',\n');
      yield `${first ? '{\n  "items": [\n' : ',\n'}${text}`;
    } else {
      yield `${first ? 'items:\n' : ''}${indent(unambiguousYaml(items), '  ')}`;
    }
    first = false;
  }
  if (first) yield format === 'json' ? '{\n  "items": []\n}\n' : 'items: []\n';
  else if (format === 'json') yield '\n  ]\n}\n';
}
