import type { ResourceUnderTest } from '../exception-match.js';

/**
 * "Would it still fail?": what a policy rule says of a resource when no exception applies. `unknown`
 * when the answer needs what is not here (the network, admission-only data, an unsupported construct),
 * and `why` says which: never a guess.
 */
export type WithoutException = 'would-fail' | 'would-pass' | 'unknown';

export interface RuleVerdict {
  verdict: WithoutException;
  why: string;
}

/** A policy document as read from YAML or a cluster: ClusterPolicy, Policy, or a CEL policy kind. */
export type PolicyDocument = Readonly<Record<string, unknown>> & {
  kind?: unknown;
  metadata?: Readonly<Record<string, unknown>>;
  spec?: unknown;
};

/** One evaluation: the policy, the rule name as reports give it (an autogen name included), the resource. */
export interface RuleUnderTest {
  policy: PolicyDocument;
  /** kyverno.io: the rule's name (`autogen-…` for the controllers' copy); CEL policies: ''. */
  rule: string;
  resource: ResourceUnderTest;
}

export const wouldFail = (why: string): RuleVerdict => ({ verdict: 'would-fail', why });
export const wouldPass = (why: string): RuleVerdict => ({ verdict: 'would-pass', why });
export const notKnown = (why: string): RuleVerdict => ({ verdict: 'unknown', why });
