import { coverage, type CoverageItem, type NamedException, type PolicyRule } from './coverage.js';
import type { MatchContext, ResourceUnderTest } from './exception-match.js';

export interface OverlapEntry {
  resource: CoverageItem['resource'];
  rule: string;
  /** The exceptions (namespace/name) that let it through. */
  exceptions: string[];
}

/** How one exception meets the others in effect for the same policy. */
export interface Overlap {
  /** The others that let through something it lets through too. */
  exceptions: string[];
  /** Resource and rule pairs it and another each let through alone. */
  shared: OverlapEntry[];
  /**
   * Pairs that it and the others let through together and none alone (Kyverno GHSA-gg4x-fgg2-h9w9: two
   * podSecurity exceptions together exempting a pod neither exempts): the reviewer weighs these most.
   */
  together: OverlapEntry[];
}

const keyOf = (i: CoverageItem) =>
  `${i.resource.kind}\n${i.resource.namespace}\n${i.resource.name}\n${i.policy}\n${i.rule}`;
const nameOf = (e: NamedException) => (e.namespace ? `${e.namespace}/${e.name}` : e.name);
const entry = (i: CoverageItem, exceptions: string[]): OverlapEntry => ({
  resource: i.resource,
  rule: i.rule,
  exceptions,
});

/**
 * What an exception and the others for its policy let through, each alone and all together, by the
 * `covers` matcher: the pairs more than one lets through, and those only the combination does.
 */
export function overlapWith(
  candidate: NamedException,
  others: readonly NamedException[],
  resources: readonly ResourceUnderTest[],
  rules: readonly PolicyRule[],
  context: Omit<MatchContext, 'namespaceLabels'> & {
    namespaceLabels?: ReadonlyMap<string, Record<string, string>>;
  },
): Overlap {
  const covered = (exceptions: readonly NamedException[]) =>
    new Map(
      coverage(exceptions, resources, rules, context)
        .filter((i) => i.covered === true)
        .map((i) => [keyOf(i), i]),
    );
  const mine = covered([candidate]);
  const alone = others.map((e) => ({ name: nameOf(e), covered: covered([e]) }));
  const shared: OverlapEntry[] = [];
  const names = new Set<string>();
  for (const [key, item] of mine) {
    const also = alone.filter((o) => o.covered.has(key)).map((o) => o.name);
    if (also.length === 0) continue;
    also.forEach((n) => names.add(n));
    shared.push(entry(item, [nameOf(candidate), ...also]));
  }
  const together: OverlapEntry[] = [];
  if (others.length)
    for (const [key, item] of covered([candidate, ...others])) {
      if (mine.has(key) || alone.some((o) => o.covered.has(key))) continue;
      together.push(entry(item, [nameOf(candidate), ...others.map(nameOf)]));
      others.forEach((o) => names.add(nameOf(o)));
    }
  return { exceptions: [...names].sort(), shared, together };
}
