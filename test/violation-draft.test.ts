import { afterEach, describe, expect, it } from 'vitest';
import { coverage, policyRules, resourceUnderTest } from '../src/domain/coverage.js';
import { renderManifest } from '../src/domain/render.js';
import { draftFromViolation, type ViolationDraft } from '../src/domain/violation-draft.js';
import type { RequestInput } from '../src/service/inputs.js';
import { kubeWorld, type KubeWorld } from './support/kube/cluster.js';
import {
  BARE_POD,
  CRON_POD,
  DEPLOYMENT_POD,
  IVP_POD,
  PSS_POD,
  SIBLING_POD,
  seedControllerFailure,
  seedViolations,
} from './support/kube/violation-fixtures.js';
import { LEGACY_REASON } from './support/requests.js';
import { useTempDir } from './support/temp.js';

const tempDir = useTempDir();
const worlds: KubeWorld[] = [];
afterEach(async () => {
  for (const w of worlds.splice(0)) await w.close();
});

async function world(): Promise<KubeWorld> {
  const w = await kubeWorld(tempDir(), { catalog: true });
  worlds.push(w);
  seedViolations(w.api);
  return w;
}

let tickets = 10;
/** The draft filed as it stands, with the justification only the requester can give. */
const filed = (draft: ViolationDraft, resource: string, more: Partial<RequestInput> = {}): RequestInput => ({
  ...draft.fields,
  category: 'legacy-migration',
  ticket: `MIG-${tickets++}`,
  reason: LEGACY_REASON,
  expires: '14d',
  fromViolation: { resource },
  ...more,
});

/** What the filed exception lets through in the cluster, by the `covers` matcher: kind/name of each resource. */
async function covered(w: KubeWorld, id: string): Promise<string[]> {
  const report = await w.as('dave').covers(id);
  return [
    ...new Set(
      report.items.filter((i) => i.covered === true).map((i) => `${i.resource.kind}/${i.resource.name}`),
    ),
  ].sort();
}

describe('request --from-violation: the narrowest draft', () => {
  it("names a Deployment's pod by its ReplicaSet's pod-template-hash, and covers that ReplicaSet's failing pods only", async () => {
    const w = await world();
    const ref = `Pod/payments/${DEPLOYMENT_POD}`;
    const draft = await w
      .as('alice')
      .draftFromViolation({ resource: ref, policy: 'require-image-signature' });
    expect(draft.basis).toBe('pod-template-hash');
    expect(draft.fields).toEqual({
      policy: 'require-image-signature',
      rules: ['check-image-signature'],
      kinds: ['Pod'],
      namespaces: ['payments'],
      names: ['payments-api-7d9c8b6f5-*'],
      target: 'test-cluster',
    });
    expect(draft.scope).toEqual({
      policy: 'require-image-signature',
      rules: ['check-image-signature'],
      kinds: ['Pod'],
      namespaces: ['payments'],
      names: ['payments-api-7d9c8b6f5-*'],
    });
    expect(draft.why).toContain('narrower than Deployment payments-api');
    expect(draft.from).toMatchObject({
      resource: { kind: 'Pod', namespace: 'payments', name: DEPLOYMENT_POD },
      owner: { kind: 'Deployment', name: 'payments-api' },
      rules: [{ rule: 'check-image-signature', result: 'fail', seenAt: '2026-12-01T08:00:00Z' }],
      lastSeen: '2026-12-01T08:00:00Z',
    });
    const { exception } = await w.as('alice').request(filed(draft, ref));
    // Its sibling runs the same image and fails too; payments-web and everything else stay checked.
    expect(await covered(w, exception.id)).toEqual([`Pod/${SIBLING_POD}`, `Pod/${DEPLOYMENT_POD}`].sort());
    const detail = await w.as('bob').describe(exception.id);
    expect(detail.origin).toMatchObject({ widened: [], narrowed: [], draft: { basis: 'pod-template-hash' } });
  });

  it('names the Deployment, with its autogen rule, when the Deployment fails itself', async () => {
    const w = await world();
    seedControllerFailure(w.api);
    const ref = `Pod/payments/${DEPLOYMENT_POD}`;
    const draft = await w
      .as('alice')
      .draftFromViolation({ resource: ref, policy: 'require-image-signature' });
    expect(draft.basis).toBe('controller');
    expect(draft.fields).toMatchObject({
      kinds: ['Deployment'],
      names: ['payments-api'],
      rules: ['check-image-signature'],
    });
    expect(draft.scope).toEqual({
      policy: 'require-image-signature',
      rules: ['check-image-signature', 'autogen-check-image-signature'],
      kinds: ['Deployment', 'Pod'],
      namespaces: ['payments'],
      names: ['payments-api', 'payments-api-*'],
    });
    const { exception } = await w.as('alice').request(filed(draft, ref));
    expect(await covered(w, exception.id)).toEqual(
      ['Deployment/payments-api', `Pod/${DEPLOYMENT_POD}`, `Pod/${SIBLING_POD}`].sort(),
    );
  });

  it("names a CronJob's pod by the CronJob (each run's names change), its Jobs and pods included", async () => {
    const w = await world();
    const ref = `Pod/payments/${CRON_POD}`;
    const draft = await w
      .as('alice')
      .draftFromViolation({ resource: ref, policy: 'require-image-signature' });
    expect(draft.basis).toBe('controller');
    expect(draft.why).toContain('CronJob nightly-report');
    expect(draft.scope).toEqual({
      policy: 'require-image-signature',
      rules: [
        'check-image-signature',
        'autogen-check-image-signature',
        'autogen-cronjob-check-image-signature',
      ],
      kinds: ['CronJob', 'Job', 'Pod'],
      namespaces: ['payments'],
      names: ['nightly-report', 'nightly-report-*'],
    });
    const { exception } = await w.as('alice').request(filed(draft, ref));
    expect(await covered(w, exception.id)).toEqual(
      ['CronJob/nightly-report', 'Job/nightly-report-29012345', `Pod/${CRON_POD}`].sort(),
    );
  });

  it('names a bare pod alone, and a Pod Security failure by its failing rule', async () => {
    const w = await world();
    const bare = await w.as('alice').draftFromViolation({
      resource: `Pod/payments/${BARE_POD}`,
      policy: 'require-image-signature',
    });
    expect(bare.basis).toBe('pod');
    expect(bare.fields).toMatchObject({
      kinds: ['Pod'],
      names: [BARE_POD],
      rules: ['check-image-signature'],
    });
    const { exception } = await w.as('alice').request(filed(bare, `Pod/payments/${BARE_POD}`));
    expect(await covered(w, exception.id)).toEqual([`Pod/${BARE_POD}`]);

    const pss = await w
      .as('alice')
      .draftFromViolation({ resource: `Pod/payments/${PSS_POD}`, policy: 'pod-security' });
    expect(pss.fields).toMatchObject({
      policy: 'pod-security',
      rules: ['baseline'],
      kinds: ['Pod'],
      names: [PSS_POD],
    });
    // Only the two failing controls, each with the failing container's image, field and values; the
    // third container (logs) fails nothing and is named nowhere.
    expect(pss.podSecurity).toEqual([
      {
        controlName: 'Capabilities',
        images: ['registry.example/legacy/proxy:1'],
        restrictedField: 'spec.containers[*].securityContext.capabilities.add',
        values: ['NET_ADMIN'],
      },
      {
        controlName: 'Privileged Containers',
        images: ['registry.example/legacy/app:2'],
        restrictedField: 'spec.containers[*].securityContext.privileged',
        values: ['true'],
      },
    ]);
    expect(bare.podSecurity).toEqual([]);
    expect(pss.fields.podSecurity).toEqual(pss.podSecurity);
    const second = await w.as('alice').request(filed(pss, `Pod/payments/${PSS_POD}`));
    // The filed exception carries the entries, field by field, and so does the manifest it becomes.
    expect(second.exception.podSecurity).toEqual(
      pss.podSecurity.map((e) => ({ ...e, restrictedField: e.restrictedField })),
    );
    expect(second.exception).toMatchObject({ images: [], allowedValues: [] });
    const yaml = await w.as('bob').render(second.exception.id);
    expect(yaml).toContain(
      [
        '  podSecurity:',
        '    - controlName: Capabilities',
        '      images:',
        '        - registry.example/legacy/proxy:1',
        '      restrictedField: spec.containers[*].securityContext.capabilities.add',
        '      values:',
        '        - NET_ADMIN',
      ].join('\n'),
    );
    expect((await w.as('bob').describe(second.exception.id)).origin).toMatchObject({
      widened: [],
      narrowed: [],
    });
    expect(await covered(w, second.exception.id)).toEqual([`Pod/${PSS_POD}`]);
  });

  it('a Pod Security exception exempts only the failing controls, images and values: the same pod failing otherwise is not covered', async () => {
    const w = await world();
    const ref = `Pod/payments/${PSS_POD}`;
    const draft = await w.as('alice').draftFromViolation({ resource: ref, policy: 'pod-security' });
    const { exception } = await w.as('alice').request(filed(draft, ref));
    expect(await covered(w, exception.id)).toEqual([`Pod/${PSS_POD}`]);
    const legacy = (containers: Record<string, unknown>[]) => {
      w.api.erase('pods', 'payments', PSS_POD);
      w.api.seed('v1', 'Pod', {
        metadata: { name: PSS_POD, namespace: 'payments' },
        spec: { containers },
      });
    };
    const app = {
      name: 'app',
      image: 'registry.example/legacy/app:2',
      securityContext: { privileged: true },
    };
    const proxy = (add: string[], image = 'registry.example/legacy/proxy:1') => ({
      name: 'proxy',
      image,
      securityContext: { capabilities: { add } },
    });
    // The privileged container under a new image: not an image the exception names.
    legacy([{ ...app, image: 'registry.example/legacy/app:3' }, proxy(['NET_ADMIN'])]);
    expect(await covered(w, exception.id)).toEqual([]);
    // A capability the failure did not add.
    legacy([app, proxy(['NET_ADMIN', 'SYS_ADMIN'])]);
    expect(await covered(w, exception.id)).toEqual([]);
    // A control that did not fail (host network).
    w.api.erase('pods', 'payments', PSS_POD);
    w.api.seed('v1', 'Pod', {
      metadata: { name: PSS_POD, namespace: 'payments' },
      spec: { hostNetwork: true, containers: [app, proxy(['NET_ADMIN'])] },
    });
    expect(await covered(w, exception.id)).toEqual([]);
    // As it failed: covered again.
    legacy([app, proxy(['NET_ADMIN'])]);
    expect(await covered(w, exception.id)).toEqual([`Pod/${PSS_POD}`]);
  });

  it('flags a Pod Security request that adds a control, an image or a value, or drops the entries; leaving one out narrows', async () => {
    const w = await world();
    const ref = `Pod/payments/${PSS_POD}`;
    const draft = await w.as('alice').draftFromViolation({ resource: ref, policy: 'pod-security' });
    const [caps, privileged] = draft.podSecurity;
    if (!caps || !privileged) throw new Error('the fixture fails two controls');
    const origin = async (podSecurity: RequestInput['podSecurity']) => {
      const { exception } = await w.as('alice').request(filed(draft, ref, { podSecurity }));
      return (await w.as('bob').describe(exception.id)).origin;
    };
    expect(await origin([caps])).toMatchObject({
      widened: [],
      narrowed: [{ field: 'podSecurity', values: [`Privileged Containers ${privileged.restrictedField}`] }],
    });
    expect(
      await origin([
        {
          ...caps,
          images: [...caps.images, 'registry.example/legacy/*'],
          values: ['NET_ADMIN', 'SYS_ADMIN'],
        },
        privileged,
      ]),
    ).toMatchObject({
      widened: [
        {
          field: 'podSecurity',
          values: [
            `Capabilities ${caps.restrictedField}: image registry.example/legacy/*`,
            `Capabilities ${caps.restrictedField}: value SYS_ADMIN`,
          ],
        },
      ],
    });
    expect(await origin([caps, privileged, { controlName: 'Host Namespaces' }])).toMatchObject({
      widened: [{ field: 'podSecurity', values: ['Host Namespaces: a control that does not fail'] }],
    });
    expect(await origin([])).toMatchObject({
      widened: [{ field: 'podSecurity', values: ['no entries: every control of the rule'] }],
    });
  });

  it('drafts a CEL PolicyException for an ImageValidatingPolicy, and says which image fails', async () => {
    const w = await world();
    const ref = `Pod/payments/${IVP_POD}`;
    const draft = await w.as('alice').draftFromViolation({ resource: ref, policy: 'check-images' });
    expect(draft.fields).toEqual({
      policy: 'ImageValidatingPolicy/check-images',
      rules: [],
      kinds: ['Pod'],
      namespaces: ['payments'],
      names: [IVP_POD],
      apiVersion: 'policies.kyverno.io/v1',
      target: 'test-cluster',
      images: ['vendor.example/agent:3'],
    });
    expect(draft.notes.join(' ')).toContain('Kyverno skips an ImageValidatingPolicy');
    const { exception } = await w.as('alice').request(filed(draft, ref));
    expect(exception).toMatchObject({
      apiVersion: 'policies.kyverno.io/v1',
      images: ['vendor.example/agent:3'],
      allowedValues: [],
      podSecurity: [],
    });
    expect(await w.as('bob').render(exception.id)).toContain('  images:\n    - vendor.example/agent:3\n');
    expect(await covered(w, exception.id)).toEqual([`Pod/${IVP_POD}`]);
    // Another image added is a widening; dropping the list lends nothing, which Kyverno reads as the same skip.
    const wider = await w
      .as('alice')
      .request(filed(draft, ref, { images: ['vendor.example/agent:3', 'vendor.example/*'] }));
    expect((await w.as('bob').describe(wider.exception.id)).origin?.widened).toEqual([
      { field: 'images', values: ['vendor.example/*'] },
    ]);
  });

  it('lends a ValidatingPolicy that reads exceptions.allowedImages the failing image only: the policy still judges the rest', async () => {
    const w = await world();
    w.api.seed('policies.kyverno.io/v1', 'ValidatingPolicy', {
      metadata: { name: 'trusted-registries' },
      spec: {
        matchConstraints: {
          resourceRules: [
            { apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['pods'] },
          ],
        },
        validations: [
          {
            expression:
              "object.spec.containers.all(c, c.image.startsWith('registry.example/') || c.image in exceptions.allowedImages)",
            message: 'images come from registry.example',
          },
        ],
      },
    });
    const pod = (image: string) => ({
      metadata: { name: 'vendor-sidecar', namespace: 'payments' },
      spec: {
        containers: [
          { name: 'app', image: 'registry.example/payments/api:1.4' },
          { name: 'sidecar', image },
        ],
      },
    });
    w.api.seed('v1', 'Pod', pod('vendor.example/sidecar:5'));
    w.api.seed('wgpolicyk8s.io/v1alpha2', 'PolicyReport', {
      metadata: { name: 'uid-vendor-sidecar', namespace: 'payments' },
      scope: { apiVersion: 'v1', kind: 'Pod', name: 'vendor-sidecar', namespace: 'payments' },
      results: [
        {
          policy: 'trusted-registries',
          result: 'fail',
          message: 'images come from registry.example',
          timestamp: { seconds: Date.parse('2026-12-01T08:00:00Z') / 1000, nanos: 0 },
        },
      ],
    });
    const ref = 'Pod/payments/vendor-sidecar';
    const draft = await w.as('alice').draftFromViolation({ resource: ref, policy: 'trusted-registries' });
    expect(draft.fields).toMatchObject({
      policy: 'ValidatingPolicy/trusted-registries',
      names: ['vendor-sidecar'],
      apiVersion: 'policies.kyverno.io/v1',
      images: ['registry.example/payments/api:1.4', 'vendor.example/sidecar:5'],
    });
    expect(draft.notes.join(' ')).toContain('the policy reads exceptions.allowedImages');
    // The requester leaves out the image that passes anyway: a narrowing.
    const { exception } = await w
      .as('alice')
      .request(filed(draft, ref, { images: ['vendor.example/sidecar:5'] }));
    expect(exception.images).toEqual(['vendor.example/sidecar:5']);
    expect((await w.as('bob').describe(exception.id)).origin).toMatchObject({
      widened: [],
      narrowed: [{ field: 'images', values: ['registry.example/payments/api:1.4'] }],
    });
    expect(await w.as('bob').render(exception.id)).toContain('  images:\n    - vendor.example/sidecar:5\n');
    // The covers matcher on the filed record: the exception only lends its image, so no row is a skip;
    // the policy run with it passes the failing pod, and fails it under any other vendor image.
    const record = (await w.deps.store.getException(1))!;
    const manifest = renderManifest(record, w.deps.settings);
    const policy = w.api.get('validatingpolicies.policies.kyverno.io', undefined, 'trusted-registries')!;
    const judge = () =>
      coverage(
        [{ namespace: manifest.metadata.namespace ?? '', name: manifest.metadata.name, spec: manifest.spec }],
        w.api.list('pods').map((p) => resourceUnderTest(p)),
        policyRules({ ...policy, kind: 'ValidatingPolicy' }),
        { nowMs: w.clock.now() },
      ).filter((i) => i.why.includes('only lend'));
    expect(
      judge().map((i) => [i.resource.name, i.covered, i.why.includes('with them the policy passes')]),
    ).toEqual([['vendor-sidecar', false, true]]);
    expect(await covered(w, exception.id)).toEqual([]);
    w.api.erase('pods', 'payments', 'vendor-sidecar');
    w.api.seed('v1', 'Pod', pod('vendor.example/other:1'));
    expect(judge().map((i) => [i.resource.name, i.why.includes('with them the policy still fails')])).toEqual(
      [['vendor-sidecar', true]],
    );
  });

  it('flags a widened request to the reviewer, in its origin and its audit event; a narrowed one is no concern', async () => {
    const w = await world();
    const ref = `Pod/payments/${DEPLOYMENT_POD}`;
    const draft = await w
      .as('alice')
      .draftFromViolation({ resource: ref, policy: 'require-image-signature' });
    const wide = await w.as('alice').request(filed(draft, ref, { names: ['payments-*'] }));
    const detail = await w.as('bob').describe(wide.exception.id);
    expect(detail.origin?.widened).toEqual([{ field: 'names', values: ['payments-*'] }]);
    // The request's own answer carries it too, so the requester sees the widening before the reviewer.
    expect(wide.origin).toEqual(detail.origin);
    expect(detail.history[0]?.data).toMatchObject({
      fromViolation: { kind: 'Pod', namespace: 'payments', name: DEPLOYMENT_POD },
      widened: [{ field: 'names', values: ['payments-*'] }],
    });
    const narrow = await w.as('alice').request(filed(draft, ref, { names: [DEPLOYMENT_POD] }));
    const narrowed = await w.as('bob').describe(narrow.exception.id);
    expect(narrowed.origin).toMatchObject({
      widened: [],
      narrowed: [{ field: 'names', values: [DEPLOYMENT_POD] }],
    });
    // Typed by hand: no origin.
    const byHand = await w.as('alice').request({ ...filed(draft, ref), fromViolation: undefined });
    expect(byHand.origin).toBeUndefined();
    expect((await w.as('bob').describe(byHand.exception.id)).origin).toBeNull();
  });

  it('names a kind no exception is drafted for, rather than calling its report stale', async () => {
    const w = await world();
    const [violation] = (await w.as('dave').violations()).items;
    if (!violation) throw new Error('the fixtures have violations');
    const widget = { ...violation, resource: { ...violation.resource, kind: 'Widget', name: 'w1' } };
    expect(() =>
      draftFromViolation(widget, w.deps.settings, { live: false, controllerFails: false }),
    ).toThrow('Widget payments/w1: exceptions are drafted for Pods and Pod controllers, not Widget');
  });

  it('refuses, by name and with nothing filed: a violation the reports do not show, a pod gone, an owner gone, a rule that passes', async () => {
    const w = await world();
    const refusal = async (ref: string, policy: string, rules?: string[]) => {
      const draft = w.as('alice').draftFromViolation({ resource: ref, policy, rules });
      await expect(draft).rejects.toMatchObject({ code: 'not_found' });
      return (await draft.catch((e: unknown) => e)) as Error;
    };
    expect((await refusal(`Pod/payments/${BARE_POD}`, 'pod-security')).message).toContain(
      `no policy report of target test-cluster shows Pod payments/${BARE_POD} failing pod-security: the violation no longer exists`,
    );
    expect(
      (await refusal(`Pod/payments/${BARE_POD}`, 'require-image-signature', ['other-rule'])).message,
    ).toContain('does not fail rule other-rule');
    w.api.erase('pods', 'payments', BARE_POD);
    expect((await refusal(`Pod/payments/${BARE_POD}`, 'require-image-signature')).message).toContain(
      `Pod payments/${BARE_POD} is not in the cluster any more`,
    );
    w.api.erase('replicasets', 'payments', 'payments-api-7d9c8b6f5');
    expect((await refusal(`Pod/payments/${DEPLOYMENT_POD}`, 'require-image-signature')).message).toContain(
      'is owned by ReplicaSet payments-api-7d9c8b6f5, which is not in the cluster',
    );
    w.api.erase('jobs', 'payments', 'nightly-report-29012345');
    expect((await refusal(`Pod/payments/${CRON_POD}`, 'require-image-signature')).message).toContain(
      'is owned by Job nightly-report-29012345, which is not in the cluster',
    );
    // The request itself drafts again and is refused the same way: nothing is filed.
    await expect(
      w.as('alice').request({
        policy: 'require-image-signature',
        namespaces: ['payments'],
        names: ['nightly-report-*'],
        category: 'legacy-migration',
        ticket: 'MIG-99',
        reason: LEGACY_REASON,
        expires: '14d',
        fromViolation: { resource: `Pod/payments/${CRON_POD}` },
      }),
    ).rejects.toMatchObject({ code: 'not_found', field: 'from-violation' });
    expect(await w.deps.store.listExceptions()).toEqual([]);
  });

  it("refuses podSecurity entries its cluster's rule cannot use: a control its level never checks, a rule that is no podSecurity rule", async () => {
    const w = await world();
    const ref = `Pod/payments/${PSS_POD}`;
    const draft = await w.as('alice').draftFromViolation({ resource: ref, policy: 'pod-security' });
    const level = w
      .as('alice')
      .request(filed(draft, ref, { podSecurity: [{ controlName: 'Volume Types' }] }));
    await expect(level).rejects.toMatchObject({ code: 'guardrail', field: 'podSecurity.0.controlName' });
    await expect(level).rejects.toThrow(
      '"Volume Types" is not checked by rule baseline (baseline, latest): the entry exempts nothing',
    );
    const bare = await bareDraft(w);
    await expect(
      w.as('alice').request({
        ...filed(bare, `Pod/payments/${BARE_POD}`),
        podSecurity: [{ controlName: 'Seccomp' }],
      }),
    ).rejects.toMatchObject({ code: 'guardrail', field: 'podSecurity' });
    expect(await w.deps.store.listExceptions()).toEqual([]);
  });

  it('shows, in the answer and in describe, the active exceptions for the same policy a request overlaps', async () => {
    const w = await world();
    await w.as('carol').request({
      ...filed(await bareDraft(w), `Pod/payments/${BARE_POD}`),
      fromViolation: undefined,
      names: ['payments-api-*'],
      ticket: 'MIG-77',
    });
    await w.as('bob').approve('EX-1');
    await w.as('carol').apply('EX-1');
    const ref = `Pod/payments/${DEPLOYMENT_POD}`;
    const draft = await w
      .as('alice')
      .draftFromViolation({ resource: ref, policy: 'require-image-signature' });
    const answer = await w.as('alice').request(filed(draft, ref));
    const active = 'policy-exceptions/payments-api-mig-77';
    expect(answer.overlap).toMatchObject({ exceptions: [active], together: [], notes: [] });
    expect(answer.overlap?.shared.map((e) => [e.resource.name, e.rule, e.exceptions[1]]).sort()).toEqual(
      [
        [DEPLOYMENT_POD, 'check-image-signature', active],
        [SIBLING_POD, 'check-image-signature', active],
      ].sort(),
    );
    expect((await w.as('bob').describe(answer.exception.id)).overlap?.exceptions).toEqual([active]);
    // A request for another policy overlaps nothing.
    const pss = await w
      .as('alice')
      .draftFromViolation({ resource: `Pod/payments/${PSS_POD}`, policy: 'pod-security' });
    expect((await w.as('alice').request(filed(pss, `Pod/payments/${PSS_POD}`))).overlap).toBeUndefined();
  });
});

async function bareDraft(w: KubeWorld): Promise<ViolationDraft> {
  return w
    .as('carol')
    .draftFromViolation({ resource: `Pod/payments/${BARE_POD}`, policy: 'require-image-signature' });
}
