const alias = (levels: number) =>
  ['a: &a ["x","x","x","x","x","x","x","x","x"]']
    .concat(
      Array.from(
        { length: levels },
        (_, i) =>
          `l${i}: &l${i} [${Array(9)
            .fill(i ? `*l${i - 1}` : '*a')
            .join(',')}]`,
      ),
    )
    .join('\n');

/**
 * Inputs that cost a naive YAML parser seconds, gigabytes or its stack; each under the 1 MiB body limit.
 * test/hostile-yaml.test.ts checks each is refused; bench/hostile-yaml.mjs prints how long each takes.
 */
export const hostileYaml: [string, string][] = [
  ['nested flow sequences', '['.repeat(900_000)],
  ['nested flow mappings', '{a: '.repeat(200_000)],
  ['an alias bomb (185 bytes that expand to billions)', alias(9)],
  ['compact nested sequences', `${'- '.repeat(400_000)}x`],
  ['complex keys', `${'? '.repeat(400_000)}x`],
  [
    'a staircase of indentation',
    Array.from({ length: 1_300 }, (_, i) => `${' '.repeat(i)}k${i}:`).join('\n'),
  ],
  ['fifty thousand anchors', Array.from({ length: 50_000 }, (_, i) => `k${i}: &a${i} v`).join('\n')],
  ['three hundred thousand tags', `${'!t '.repeat(300_000)}x`],
  ['a hundred thousand documents', 'kind: PolicyException\n---\n'.repeat(30_000)],
];
