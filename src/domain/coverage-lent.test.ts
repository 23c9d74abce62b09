import { describe, expect, it } from 'vitest';
import { coverage, coverageInputs, policyRules, type Doc } from './coverage.js';
import { evaluateValidatingPolicy } from './evaluate/cel-policy.js';

const BUSYBOX = 'busybox:1.36';
const NGINX = 'nginx:1.27';

const policy = (extra: Record<string, unknown> = {}): Doc => ({
  apiVersion: 'policies.kyverno.io/v1',
  kind: 'ValidatingPolicy',
  metadata: { name: 'no-escalation' },
  spec: {
    matchConstraints: {
      resourceRules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['pods'] }],
    },
    validations: [
      {
        expression:
          'object.spec.containers.all(c, c.image in exceptions.allowedImages || c.?securityContext.?allowPrivilegeEscalation.orValue(true) == false)',
      },
    ],
    ...extra,
  },
});

const exception = (name: string, spec: Record<string, unknown>): Doc => ({
  apiVersion: 'policies.kyverno.io/v1',
  kind: 'PolicyException',
  metadata: { name, namespace: 'apps' },
  spec: { policyRefs: [{ name: 'no-escalation', kind: 'ValidatingPolicy' }], ...spec },
});

const pod = (...images: string[]): Doc => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'web', namespace: 'apps' },
  spec: { containers: images.map((image, i) => ({ name: `c${i}`, image })) },
});

function rows(docs: Doc[]) {
  const { exceptions, resources, policies } = coverageInputs(docs);
  return coverage(exceptions, resources, policies.flatMap(policyRules), { nowMs: 0 });
}

describe('a CEL exception that only lends images or allowedValues', () => {
  it("binds the union of every matching exception's images, as Kyverno appends them", () => {
    const both = rows([
      policy(),
      exception('lends-busybox', { images: [BUSYBOX] }),
      exception('lends-nginx', { images: [NGINX] }),
      pod(BUSYBOX, NGINX),
    ]);
    expect(both).toHaveLength(1);
    expect(both[0]).toMatchObject({ covered: false, exceptions: ['apps/lends-busybox', 'apps/lends-nginx'] });
    expect(both[0]?.why).toContain('with them the policy passes');

    const one = rows([policy(), exception('lends-busybox', { images: [BUSYBOX] }), pod(BUSYBOX, NGINX)]);
    expect(one[0]?.covered).toBe(false);
    expect(one[0]?.why).toContain('with them the policy still fails: validations[0]');
  });

  it('is outweighed by a full exemption that also matches: a skip', () => {
    const out = rows([
      policy(),
      exception('lends-busybox', { images: [BUSYBOX] }),
      exception('everything', {}),
      pod(NGINX),
    ]);
    expect(out[0]).toMatchObject({ covered: true, exceptions: ['apps/everything'] });
  });

  it('stays unknown when its own match is in doubt, or the policy needs the cluster', () => {
    const doubtful = rows([
      policy(),
      exception('lends-busybox', {
        images: [BUSYBOX],
        matchConditions: [{ name: 'user', expression: "request.userInfo.username == 'ci'" }],
      }),
      pod(BUSYBOX),
    ]);
    expect(doubtful[0]?.covered).toBe('unknown');

    const cluster = rows([
      policy({ variables: [{ name: 'cm', expression: "resource.Get('v1', 'configmaps', 'apps', 'x')" }] }),
      exception('lends-busybox', { images: [BUSYBOX] }),
      pod(BUSYBOX),
    ]);
    expect(cluster[0]?.covered).toBe('unknown');
    expect(cluster[0]?.why).toContain('reads the cluster or the network');
  });

  it('gives no row where the lent lists turn the policy’s match conditions false', () => {
    const out = rows([
      policy({
        matchConditions: [
          {
            name: 'not-lent',
            expression: 'object.spec.containers.exists(c, !(c.image in exceptions.allowedImages))',
          },
        ],
      }),
      exception('lends-busybox', { images: [BUSYBOX] }),
      pod(BUSYBOX),
    ]);
    expect(out).toEqual([]);
  });
});

describe('a ValidatingPolicy reading exceptions with no exception in play', () => {
  it('sees empty lists, as Kyverno binds them, not an unbound variable', () => {
    const spec = policy()['spec'];
    expect(evaluateValidatingPolicy('p', spec, pod(NGINX), undefined).status).toBe('fail');
    expect(
      evaluateValidatingPolicy('p', spec, pod(NGINX), undefined, {
        allowedImages: [NGINX],
        allowedValues: [],
      }).status,
    ).toBe('pass');
  });
});
