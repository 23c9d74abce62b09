import { parse, stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { activeRecord } from '../../test/support/records.js';
import { renderCelPolicyException } from './render-cel.js';
import { renderPolicyException } from './render.js';
import { defaultSettings } from './settings.js';
import { manifestYaml, unambiguousYaml, unambiguousYamlOptions } from './yaml-text.js';

/** The library's writing, with U+2028 and U+2029 escaped in double quotes (unambiguousYaml). */
const library = (value: unknown): string => unambiguousYaml(value);

/** Strings that YAML reads otherwise, quotes, escapes or breaks, beside plain ones. */
const awkward = [
  '',
  ' ',
  'plain text',
  'app-0-*',
  '*',
  '*.example.com',
  '&anchor',
  '!tag',
  '- item',
  '-',
  '?',
  '? x',
  'key: value',
  'ends with colon:',
  'a:b',
  'hash # comment',
  'a#b',
  '#start',
  'trailing ',
  ' leading',
  'true',
  'False',
  'NULL',
  '~',
  'yes',
  'no',
  'on',
  // YAML 1.1's (kubectl's) booleans, integers and times: strings only when quoted.
  'y',
  'N',
  'Yes',
  'OFF',
  '1_000',
  '0b101',
  '017',
  '1:20',
  '2026-12-08 03:24:35',
  '42',
  '-7',
  '+3',
  '0x1F',
  '0o17',
  '1e3',
  '.5',
  '3.',
  '.inf',
  '-.Inf',
  '.nan',
  '2026-12-08',
  '2026-12-08T03:24:35Z',
  "{{ time_before('{{ time_now_utc() }}', '2026-12-08T03:24:35Z') }}",
  '[list]',
  '{map}',
  'comma, inside',
  "it's",
  'say "hi"',
  `both ' and "`,
  'back\\slash',
  '%percent',
  '@at',
  '`tick',
  '|pipe',
  '>fold',
  '---',
  '--- x',
  '...',
  'a\tb',
  'two\nlines',
  'trailing newline\n',
  'bell\u0007',
  'del\u007f',
  'é accents ü',
  'emoji 🙂',
  'lone \ud800 surrogate',
  'line\u2028separator',
  'x'.repeat(300),
  `${'word '.repeat(40)}end`,
];

describe('writing a manifest as YAML', () => {
  it('writes U+2028 and U+2029 escaped in double quotes, which YAML 1.1 readers would take for line breaks', () => {
    const manifest = {
      metadata: { annotations: { reason: 'line\u2028separator', both: 'a\u2029b\nnext line' } },
      spec: { list: ['x\u2028'] },
    };
    const text = manifestYaml(manifest);
    expect(text).not.toMatch(/[\u2028\u2029]/);
    expect(text).toContain('reason: "line\\u2028separator"');
    expect(text).toContain('- "x\\u2028"');
    expect(parse(text)).toEqual(manifest);
    // Without the escaping, the library writes the separator as text, plain or in a block scalar.
    expect(stringify(manifest, unambiguousYamlOptions)).toMatch(/\u2028/);
  });

  it('writes every string as the yaml library does, in a map, a list and a list of maps', () => {
    for (const text of awkward) {
      const manifest = {
        apiVersion: 'kyverno.io/v2',
        metadata: { name: text, annotations: { reason: text, 'waiver.io/x': text } },
        spec: { list: [text, 'plain', text], items: [{ key: text, nested: { deep: [text] } }] },
      };
      expect(manifestYaml(manifest), JSON.stringify(text)).toBe(library(manifest));
      expect(parse(manifestYaml(manifest))).toEqual(manifest);
    }
  });

  it('writes numbers, booleans, nulls, empty lists and maps, and odd keys as the library does', () => {
    const shapes: object[] = [
      { count: 3, negative: -2, zero: 0, minusZero: -0, fraction: 1.5, big: 2 ** 60 },
      { value: true, other: false, none: null, skipped: undefined },
      { empty: [], nothing: {}, nested: { empty: [] } },
      { list: [[1, 2], []], maps: [{}] },
      { 'two words': 1, true: 2, '42': 3, 'a:b': 4, '': 5 },
      { date: new Date(0) },
    ];
    for (const shape of shapes) expect(manifestYaml(shape), JSON.stringify(shape)).toBe(library(shape));
  });

  it('writes the manifests Waiver renders as the library does', () => {
    const records = [
      activeRecord({ id: 42, expiresAt: '2026-12-20T08:30:00Z' }),
      activeRecord({
        id: 7,
        reason: 'Needs: "quotes" and #hash',
        namespaces: ['*'],
        names: ['*-api', 'a b'],
      }),
      activeRecord({ id: 8, reason: 'line one\nline two', riskAssessment: null }),
    ];
    for (const record of records) {
      const manifest = renderPolicyException(record, defaultSettings);
      expect(manifestYaml(manifest)).toBe(library(manifest));
      const celRecord = { ...record, policy: 'ImageValidatingPolicy/check-images' };
      const cel = renderCelPolicyException(celRecord, defaultSettings, 'policies.kyverno.io/v1');
      expect(manifestYaml(cel)).toBe(library(cel));
    }
  });

  it("writes random strings of YAML's special characters as the library does, and reads them back", () => {
    // A seeded generator: the same strings on every run, so a failure names a reproducible input.
    let state = 0x2545f491;
    const next = (n: number): number => {
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      return (state >>> 0) % n;
    };
    const alphabet = [...'ab0 :#-?&*!|>\'"%@`,[]{}~.\t\n\\'].concat([
      '\u00e9',
      '\u2028',
      '\u0085',
      '---',
      '...',
      'true',
      '0x1',
      '1e3',
      '.inf',
      '<<',
      'y',
      'on',
      'Off',
      '1_0',
    ]);
    for (let i = 0; i < 5000; i++) {
      const text = Array.from({ length: 1 + next(8) }, () => alphabet[next(alphabet.length)]).join('');
      const manifest = {
        metadata: { name: text, labels: { team: text } },
        spec: { names: [text, 'x'], items: [{ key: text }] },
      };
      const written = manifestYaml(manifest);
      expect(written, JSON.stringify(text)).toBe(library(manifest));
      expect(parse(written), JSON.stringify(text)).toEqual(manifest);
    }
  });
});
