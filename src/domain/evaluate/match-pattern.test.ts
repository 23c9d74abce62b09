import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { matchPattern, parseAnchor, patternProblems, validateElement } from './match-pattern.js';

interface UpstreamCase {
  kind: 'matchPattern' | 'element';
  name: string;
  line: number;
  pattern: unknown;
  resource: unknown;
  status?: 'pass' | 'skip' | 'fail' | 'error';
  path?: string | null;
  pass?: boolean;
}

const upstream = JSON.parse(
  readFileSync(
    new URL('../../../test/fixtures/kyverno-upstream/validate-pattern-cases.json', import.meta.url),
    'utf8',
  ),
) as { source: string; cases: UpstreamCase[] };

describe('validate patterns replayed from Kyverno (pkg/engine/validate/validate_test.go)', () => {
  it('holds every case of the file', () => {
    expect(upstream.cases.length).toBeGreaterThanOrEqual(85);
  });

  for (const c of upstream.cases.filter((x) => x.kind === 'matchPattern'))
    it(`MatchPattern ${c.name} (line ${c.line}) is ${c.status ?? ''}`, () => {
      const outcome = matchPattern(c.resource, c.pattern);
      // Upstream's helper (testMatchPattern) asserts pass and skip exactly and nothing for Fail; the
      // Fail cases below that Kyverno's code skips are listed in the next test.
      if (c.status === 'fail') expect(outcome.status).not.toBe('pass');
      else expect(outcome.status).toBe(c.status);
    });

  it('skips the Fail-labelled cases whose global anchor does not match, as check_global_anchor_skip does', () => {
    // A global anchor's mismatch is a skip wherever it sits (anchor.IsGlobalAnchorError reads the
    // message through the wrapping PatternError); upstream labels these Fail but never asserts it.
    const skipped = upstream.cases
      .filter((c) => c.kind === 'matchPattern' && c.status === 'fail')
      .filter((c) => matchPattern(c.resource, c.pattern).status === 'skip')
      .map((c) => c.name);
    expect(skipped).toEqual(['test-23', 'test-25', 'test-27', 'test-30', 'test-35']);
  });

  // `$(…)` references are resolved by SubstituteAll first; evaluation answers unknown for them.
  for (const c of upstream.cases.filter(
    (x) => x.kind === 'element' && !JSON.stringify(x.pattern).includes('$('),
  ))
    it(`${c.name} (line ${c.line}) ${c.pass ? 'passes' : 'fails'}${c.path ? ` at ${c.path}` : ''}`, () => {
      const result = validateElement(c.resource, c.pattern);
      expect(result.pass).toBe(c.pass);
      if (c.path !== null && c.path !== undefined) expect(result.path).toBe(c.path);
    });
});

describe('anchors (pkg/engine/anchor/anchor_test.go TestParse)', () => {
  it.each([
    ['(name)', '', 'name'],
    ['<(name)', '<', 'name'],
    ['X(name)', 'X', 'name'],
    ['+(name)', '+', 'name'],
    ['=(name)', '=', 'name'],
    ['^(name)', '^', 'name'],
    [' (name) ', '', 'name'],
  ])('%s is a %s anchor on %s', (text, type, key) => {
    expect(parseAnchor(text)).toEqual({ type, key });
  });
  it.each(['name', '()', '!(name)', '(name', 'name)', ''])('%s is no anchor', (text) => {
    expect(parseAnchor(text)).toBeUndefined();
  });
});

describe('the anchors at work', () => {
  const pod = (containers: unknown[], extra: Record<string, unknown> = {}) => ({
    metadata: { name: 'p', labels: { app: 'web' } },
    spec: { containers, ...extra },
  });

  it('a negation anchor fails when the key is present, and passes when it is absent', () => {
    const pattern = { spec: { 'X(hostNetwork)': 'null' } };
    expect(matchPattern(pod([], { hostNetwork: true }), pattern).status).toBe('fail');
    expect(matchPattern(pod([]), pattern).status).toBe('pass');
  });

  it('an equality anchor checks the field only when it is there', () => {
    const pattern = { spec: { '=(hostPID)': false } };
    expect(matchPattern(pod([]), pattern).status).toBe('pass');
    expect(matchPattern(pod([], { hostPID: false }), pattern).status).toBe('pass');
    expect(matchPattern(pod([], { hostPID: true }), pattern).status).toBe('fail');
  });

  it('an existence anchor needs one element to match', () => {
    const pattern = { spec: { '^(containers)': [{ image: 'nginx*' }] } };
    expect(matchPattern(pod([{ image: 'busybox' }, { image: 'nginx:1' }]), pattern).status).toBe('pass');
    expect(matchPattern(pod([{ image: 'busybox' }]), pattern).status).not.toBe('pass');
  });

  it('a condition anchor on a missing key skips', () => {
    const pattern = { spec: { '(runtimeClassName)': 'gvisor', hostNetwork: false } };
    expect(matchPattern(pod([]), pattern).status).toBe('skip');
  });

  it('a global anchor that does not match skips the whole rule', () => {
    const pattern = { spec: { containers: [{ '<(image)': '*:latest', imagePullPolicy: 'Always' }] } };
    expect(matchPattern(pod([{ image: 'a:1', imagePullPolicy: 'Never' }]), pattern).status).toBe('skip');
    expect(matchPattern(pod([{ image: 'a:latest', imagePullPolicy: 'Never' }]), pattern).status).toBe('fail');
  });

  it('"*" needs the field to exist, "?*" a non-empty value', () => {
    expect(matchPattern(pod([{ name: 'a' }]), { spec: { containers: [{ resources: '*' }] } }).status).toBe(
      'fail',
    );
    expect(matchPattern(pod([{ name: '' }]), { spec: { containers: [{ name: '?*' }] } }).status).toBe('fail');
    expect(matchPattern(pod([{ name: 'a' }]), { spec: { containers: [{ name: '?*' }] } }).status).toBe(
      'pass',
    );
  });

  it('wildcard label keys take the resource key they match', () => {
    const pattern = { metadata: { labels: { 'app*': 'web' } } };
    expect(matchPattern(pod([]), pattern).status).toBe('pass');
    expect(matchPattern(pod([]), { metadata: { labels: { 'team*': '?*' } } }).status).toBe('fail');
  });
});

describe('patterns Kyverno refuses', () => {
  it('names +() in validate, an empty existence anchor and an unknown anchor', () => {
    const problems = patternProblems({
      spec: { '+(dnsPolicy)': 'None', '^(containers)': [], '!(hostIPC)': true },
    });
    expect(problems).toHaveLength(3);
    expect(problems[0]).toMatch(/\/spec\/\+\(dnsPolicy\).*mutate/);
    expect(problems[1]).toMatch(/existence anchor/);
    expect(problems[2]).toMatch(/"!\(\)" is not an anchor/);
  });
});
