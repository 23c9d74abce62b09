import type { Coverage, ResourceUnderTest, Verdict } from './exception-match.js';
import { kubernetesCel, toCel } from './evaluate/cel-kubernetes.js';
import { parseRfc3339 } from './rfc3339.js';

/** The spec of a policies.kyverno.io PolicyException, as far as matching reads it. */
export interface CelExceptionSpec {
  policyRefs?: { name?: string; kind?: string }[];
  matchConditions?: { name?: string; expression?: string }[];
  expiresAt?: string;
  /** A partial exemption: the policy reads these as `exceptions.allowedImages` / `allowedValues`. */
  images?: string[];
  allowedValues?: string[];
}

/** Image and deleting policies skip on any matching exception; the others only on one without a scope. */
const SKIPS_ON_ANY = /^(Namespaced)?(ImageValidating|Deleting)Policy$/;

/**
 * An exception with `images` or `allowedValues` does not skip a ValidatingPolicy (nor a Mutating or
 * Generating one): the policy still runs, given those lists, and its validations decide.
 */
/** A CEL exception's verdict; `lends` when it matches and only lends its lists to the policy. */
export type CelVerdict = Verdict & { lends?: { images: string[]; allowedValues: string[] } };

function partial(spec: CelExceptionSpec, kind: string, held: Verdict): CelVerdict {
  if (held.covered === false || SKIPS_ON_ANY.test(kind)) return held;
  if (!spec.images?.length && !spec.allowedValues?.length) return held;
  const lists = [spec.images?.length ? 'images' : '', spec.allowedValues?.length ? 'allowedValues' : '']
    .filter(Boolean)
    .join(' and ');
  const lent = verdict(
    'unknown',
    `it matches but only lends its ${lists} to the policy (exceptions.allowedImages/allowedValues): the policy still runs, and its validations decide`,
  );
  // Only a sure match lends: a maybe-match leaves the lists themselves in doubt.
  return held.covered === true
    ? { ...lent, lends: { images: spec.images ?? [], allowedValues: spec.allowedValues ?? [] } }
    : lent;
}

export const isCelSpec = (spec: unknown): spec is CelExceptionSpec =>
  typeof spec === 'object' && spec !== null && 'policyRefs' in spec;

/** Variables a match condition may read that are not given here: the answer would be a guess. */
const UNGIVEN = /(^|[^.\w])(request|params|namespaceObject|authorizer|variables)\b/;

const verdict = (covered: Coverage, why: string): Verdict => ({ covered, why });

type Compiled = { run: (vars: Record<string, unknown>) => unknown } | Error;

/** Compiled expressions: an exception's few conditions, parsed once, not once per resource it is tried on. */
const compiled = new Map<string, Compiled>();

/** A CEL expression compiled, or the compiler's message (Kyverno then fails to compile the policy). */
export function compileCel(expression: string): Compiled {
  let found = compiled.get(expression);
  if (found === undefined) {
    if (compiled.size >= 10_000) compiled.clear();
    found = compileOnce(expression);
    compiled.set(expression, found);
  }
  return found;
}

// Kyverno compiles an exception's conditions with its Kubernetes CEL libraries (optional `?.`,
// quantities, extended strings): the same environment as a ValidatingPolicy's expressions here.
function compileOnce(expression: string): Compiled {
  try {
    const program = kubernetesCel().parse(expression);
    return { run: (vars) => program(vars) as unknown };
  } catch (e) {
    return new Error(e instanceof Error ? (e.message.split('\n')[0] ?? e.message) : String(e));
  }
}

/**
 * Does a CEL PolicyException let this resource through this CEL policy (`Kind/name`)? It must refer to
 * the policy, every match condition must be true of the object, and at admission it must not have
 * expired. Kyverno attaches it to the policy's autogen variants, so controllers are judged as they are.
 */
export function celExceptionCovers(
  spec: CelExceptionSpec,
  policy: string,
  resource: ResourceUnderTest,
  nowMs: number | undefined,
): CelVerdict {
  const [kind = '', name] = policy.split('/');
  if (!spec.policyRefs?.some((r) => r.kind === kind && r.name === name))
    return verdict(false, `its policyRefs do not name ${policy}`);
  if (spec.expiresAt !== undefined) {
    const expires = parseRfc3339(spec.expiresAt);
    if (expires === undefined) return verdict(false, `expiresAt "${spec.expiresAt}" is not RFC 3339`);
    if (nowMs === undefined) return verdict('unknown', 'it expires, and no instant is given to judge at');
    if (nowMs >= expires)
      return verdict(
        false,
        'it expired: admission ignores it (background reports and the CLI still apply it)',
      );
  }
  const conditions = spec.matchConditions ?? [];
  if (!conditions.length)
    return partial(
      spec,
      kind,
      verdict(true, 'it refers to the policy and has no match condition: everything'),
    );
  if (!resource.object) return verdict('unknown', 'its match conditions need the object');
  let unknown: string | undefined;
  for (const condition of conditions) {
    const expression = condition.expression ?? '';
    if (UNGIVEN.test(expression)) {
      unknown ??= `match condition ${condition.name ?? ''} reads the request, known only at admission`;
      continue;
    }
    const compiled = compileCel(expression);
    if (compiled instanceof Error)
      return verdict(false, `match condition ${condition.name ?? ''} does not compile: ${compiled.message}`);
    let result: unknown;
    try {
      result = compiled.run({ object: toCel(resource.object), oldObject: null });
    } catch (e) {
      return verdict(
        false,
        `match condition ${condition.name ?? ''} fails: ${e instanceof Error ? e.message : String(e)}`,
      );
    }
    if (result !== true) return verdict(false, `match condition ${condition.name ?? ''} is false`);
  }
  return partial(
    spec,
    kind,
    unknown
      ? verdict('unknown', unknown)
      : verdict(true, 'it refers to the policy and its match conditions hold'),
  );
}
