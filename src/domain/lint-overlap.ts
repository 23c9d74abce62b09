import type { Finding } from './lint-finding.js';
import type { PolicyExceptionManifest } from './manifest.js';
import { parseManifests } from './manifest-schema.js';
import { wildcardMatch } from './wildcard.js';

interface Located {
  file: string;
  object: string;
  manifest: PolicyExceptionManifest;
}

const literal = (p: string) => !/[*?]/.test(p);

/** How many of the exceptions one overlaps a warning names. */
const SHOWN = 3;

/**
 * Whether some name could match both patterns. Exact for a literal against a pattern; for two patterns,
 * their literal heads and tails must agree (a pattern in the middle may still keep them apart: then the
 * answer errs towards "may", as a warning should).
 */
export function patternsMeet(a: string, b: string): boolean {
  if (literal(a)) return wildcardMatch(b, a);
  if (literal(b)) return wildcardMatch(a, b);
  const head = (p: string) => p.slice(0, p.search(/[*?]/));
  const tail = (p: string) => p.slice(Math.max(p.lastIndexOf('*'), p.lastIndexOf('?')) + 1);
  const [ha, hb, ta, tb] = [head(a), head(b), tail(a), tail(b)];
  return (ha.startsWith(hb) || hb.startsWith(ha)) && (ta.endsWith(tb) || tb.endsWith(ta));
}

/** Two lists of patterns meet when one is empty (no filter: every value) or two of their patterns meet. */
const listsMeet = (a: readonly string[] = [], b: readonly string[] = []) =>
  a.length === 0 || b.length === 0 || a.some((x) => b.some((y) => patternsMeet(x, y)));

/** The policy and rule pairs both name. */
function sharedRules(a: PolicyExceptionManifest, b: PolicyExceptionManifest): string[] {
  const shared: string[] = [];
  for (const x of a.spec.exceptions)
    for (const y of b.spec.exceptions) {
      if (!patternsMeet(x.policyName, y.policyName)) continue;
      for (const r of x.ruleNames)
        if (y.ruleNames.some((s) => patternsMeet(r, s))) shared.push(`${x.policyName}/${r}`);
    }
  return [...new Set(shared)];
}

/** Whether a resource could pass a filter of each (kinds, namespaces and names all meeting). */
function filtersMeet(a: PolicyExceptionManifest, b: PolicyExceptionManifest): boolean {
  const filters = (m: PolicyExceptionManifest) => [...(m.spec.match.any ?? []), ...(m.spec.match.all ?? [])];
  return filters(a).some((f) =>
    filters(b).some((g) => {
      const [r, s] = [f.resources ?? {}, g.resources ?? {}];
      return (
        listsMeet(r.kinds, s.kinds) &&
        listsMeet(r.namespaces, s.namespaces) &&
        listsMeet(
          [...(r.names ?? []), ...(r.name ? [r.name] : [])],
          [...(s.names ?? []), ...(s.name ? [s.name] : [])],
        )
      );
    }),
  );
}

/**
 * Exceptions of a repository that may let the same resources through the same rule: each is reviewed
 * alone, yet together they may exempt more than either (Kyverno GHSA-gg4x-fgg2-h9w9), and one is enough.
 * Reported once per exception, on the later of each pair, naming the earlier ones it meets (the first
 * few: a repository of many alike is one warning each, not one per pair).
 */
export function overlapFindings(sources: readonly { file: string; text: string }[]): Finding[] {
  const all: Located[] = sources.flatMap(({ file, text }) =>
    parseManifests(text).flatMap((doc) =>
      doc.kind === 'exception'
        ? [
            {
              file,
              object: `${doc.manifest.metadata.namespace ? `${doc.manifest.metadata.namespace}/` : ''}${doc.manifest.metadata.name}`,
              manifest: doc.manifest,
            },
          ]
        : [],
    ),
  );
  const findings: Finding[] = [];
  all.forEach((later, i) => {
    const met = all.slice(0, i).flatMap((earlier) => {
      const rules = sharedRules(earlier.manifest, later.manifest);
      return rules.length > 0 && filtersMeet(earlier.manifest, later.manifest) ? [{ earlier, rules }] : [];
    });
    if (met.length === 0) return;
    const rules = [...new Set(met.flatMap((m) => m.rules))];
    const named = met.slice(0, SHOWN).map(({ earlier }) => `${earlier.object} (${earlier.file})`);
    const more = met.length > SHOWN ? ` and ${met.length - SHOWN} more` : '';
    findings.push({
      file: later.file,
      object: later.object,
      rule: 'overlapping-exceptions',
      severity: 'warning',
      message: `may let the same resources through ${rules.join(', ')} as ${named.join(', ')}${more}: one exception is enough, and together they may exempt more than either was reviewed for`,
    });
  });
  return findings;
}
