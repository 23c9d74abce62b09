import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  exemptionIssues,
  NO_EXEMPTIONS,
  podSecurityRuleIssues,
  type Exemptions,
  type PodSecurityEntry,
} from './exemptions.js';
import { manifestToYaml, renderManifest } from './render.js';
import { lintText } from './lint.js';
import { renderCelPolicyException } from './render-cel.js';
import { activeRecord } from '../../test/support/records.js';
import { defaultSettings } from './settings.js';
import { compareWithDraft, type DraftScope } from './violation-draft.js';

const entry = (over: Partial<PodSecurityEntry> = {}): PodSecurityEntry => ({
  controlName: 'Capabilities',
  images: ['registry.example/legacy/proxy:1'],
  restrictedField: 'spec.containers[*].securityContext.capabilities.add',
  values: ['NET_ADMIN'],
  ...over,
});
const pss = (...podSecurity: PodSecurityEntry[]): Exemptions => ({ ...NO_EXEMPTIONS, podSecurity });
const fieldsOf = (e: Exemptions, api = 'kyverno.io/v2', policy = 'pod-security') =>
  exemptionIssues(e, api, policy).map((i) => [i.field, i.code]);

describe('exemptions at the boundary: each refusal names its field', () => {
  it('takes a narrow podSecurity entry, a pod level one without images, and a bare control', () => {
    expect(fieldsOf(pss(entry()))).toEqual([]);
    expect(
      fieldsOf(
        pss(
          entry({
            controlName: 'Host Namespaces',
            images: [],
            restrictedField: 'spec.hostNetwork',
            values: ['true'],
          }),
        ),
      ),
    ).toEqual([]);
    expect(
      fieldsOf(pss(entry({ controlName: 'Seccomp', images: [], restrictedField: null, values: [] }))),
    ).toEqual([]);
  });

  it('refuses an unknown control, images where Kyverno refuses them, and a field its control never reports', () => {
    expect(exemptionIssues(pss(entry({ controlName: 'Capability' })), 'kyverno.io/v2', 'p')[0]).toMatchObject(
      {
        field: 'podSecurity.0.controlName',
        code: 'pod-security-control',
        message: expect.stringContaining('"Capability" is not a Pod Security control'),
      },
    );
    expect(fieldsOf(pss(entry(), entry({ images: [] })))).toEqual([
      ['podSecurity.1.images', 'pod-security-images'],
    ]);
    expect(
      fieldsOf(
        pss(entry({ controlName: 'Host Namespaces', restrictedField: 'spec.hostNetwork', values: ['true'] })),
      ),
    ).toEqual([['podSecurity.0.images', 'pod-security-images']]);
    const [wrongField] = exemptionIssues(
      pss(entry({ restrictedField: 'spec.containers[*].securityContext.privileged' })),
      'kyverno.io/v2',
      'p',
    );
    expect(wrongField).toMatchObject({ field: 'podSecurity.0.restrictedField', code: 'pod-security-field' });
    expect(wrongField?.message).toContain('capabilities.add');
    expect(fieldsOf(pss(entry({ values: [] })))).toEqual([['podSecurity.0.values', 'pod-security-values']]);
    expect(fieldsOf(pss(entry({ restrictedField: null })))).toEqual([
      ['podSecurity.0.restrictedField', 'pod-security-values'],
    ]);
  });

  it('refuses text Kyverno would read otherwise: templates, quotes, blanks, duplicates', () => {
    expect(fieldsOf(pss(entry({ images: ['{{ request.object }}'] })))).toEqual([
      ['podSecurity.0.images.0', 'text-template'],
    ]);
    // A podSecurity value is compared as written (a host path may hold a space); a control character never.
    expect(
      fieldsOf(
        pss(
          entry({
            controlName: 'HostPath Volumes',
            images: [],
            restrictedField: 'spec.volumes[*].hostPath',
            values: ["/mnt/my data's"],
          }),
        ),
      ),
    ).toEqual([]);
    expect(fieldsOf(pss(entry({ values: ['NET_ADMIN\u001b[2J'] })))).toEqual([
      ['podSecurity.0.values.0', 'exemption-characters'],
    ]);
    expect(fieldsOf(pss(entry({ values: [' '] })))).toEqual([['podSecurity.0.values.0', 'exemption-empty']]);
    expect(fieldsOf(pss(entry({ values: ['NET_ADMIN', 'NET_ADMIN'] })))).toEqual([
      ['podSecurity.0.values.1', 'exemption-duplicate'],
    ]);
    expect(
      fieldsOf(
        { ...NO_EXEMPTIONS, allowedValues: ["a') || true || ('"] },
        'policies.kyverno.io/v1',
        'ValidatingPolicy/p',
      ),
    ).toEqual([['allowedValues.0', 'exemption-characters']]);
  });

  it('bounds what an exception lists in all, so a reviewer can weigh it', () => {
    const many = Array.from({ length: 30 }, (_, i) => `registry.example/team-${i}/${'x'.repeat(260)}`);
    expect(fieldsOf(pss(entry({ images: many })))).toEqual([['podSecurity', 'exemption-size']]);
    expect(fieldsOf(pss(entry({ images: many.slice(0, 20) })))).toEqual([]);
  });

  it('keeps each field to its API and the policy kinds that read it', () => {
    expect(fieldsOf({ ...NO_EXEMPTIONS, images: ['a:1'], allowedValues: ['x'] })).toEqual([
      ['images', 'exemption-api'],
      ['allowedValues', 'exemption-api'],
    ]);
    expect(fieldsOf(pss(entry()), 'policies.kyverno.io/v1', 'ValidatingPolicy/p')).toEqual([
      ['podSecurity', 'exemption-api'],
    ]);
    const cel = { ...NO_EXEMPTIONS, images: ['vendor.example/*'], allowedValues: ['team-a'] };
    expect(fieldsOf(cel, 'policies.kyverno.io/v1', 'ValidatingPolicy/p')).toEqual([]);
    expect(
      fieldsOf({ ...cel, allowedValues: [] }, 'policies.kyverno.io/v1', 'ImageValidatingPolicy/p'),
    ).toEqual([]);
    expect(fieldsOf(cel, 'policies.kyverno.io/v1', 'ImageValidatingPolicy/p')).toEqual([
      ['allowedValues', 'exemption-policy'],
    ]);
    expect(fieldsOf(cel, 'policies.kyverno.io/v1', 'DeletingPolicy/p')).toEqual([
      ['images', 'exemption-policy'],
      ['allowedValues', 'exemption-policy'],
    ]);
  });
});

describe('the manifests carry them', () => {
  it('writes podSecurity entries into the kyverno.io exception, empty lists and fields left out', () => {
    const record = activeRecord({
      podSecurity: [
        entry(),
        entry({ controlName: 'Seccomp', images: [], restrictedField: null, values: [] }),
      ],
    });
    const manifest = renderManifest(record, defaultSettings);
    expect(manifest.spec['podSecurity']).toEqual([
      {
        controlName: 'Capabilities',
        images: ['registry.example/legacy/proxy:1'],
        restrictedField: 'spec.containers[*].securityContext.capabilities.add',
        values: ['NET_ADMIN'],
      },
      { controlName: 'Seccomp' },
    ]);
    expect(parse(manifestToYaml(manifest))).toEqual(manifest);
    expect(renderManifest(activeRecord(), defaultSettings).spec).not.toHaveProperty('podSecurity');
  });

  it('writes images and allowedValues into the CEL exception, as YAML that reads back the same', () => {
    const record = activeRecord({
      apiVersion: 'policies.kyverno.io/v1',
      policy: 'ValidatingPolicy/check-labels',
      rules: [],
      images: ['vendor.example/*'],
      allowedValues: ['yes', '#team: a', '0x1F'],
    });
    const manifest = renderManifest(record, defaultSettings);
    expect(manifest.spec).toMatchObject({
      images: ['vendor.example/*'],
      allowedValues: ['yes', '#team: a', '0x1F'],
    });
    const yaml = manifestToYaml(manifest);
    expect(yaml).toContain('    - "#team: a"\n    - "0x1F"\n');
    expect(parse(yaml)).toEqual(manifest);
  });
});

describe('against the draft: removing narrows, adding widens', () => {
  const scope: DraftScope = {
    policy: 'pod-security',
    rules: ['baseline'],
    kinds: ['Pod'],
    namespaces: ['payments'],
    names: ['legacy-batch'],
  };
  const privileged = entry({
    controlName: 'Privileged Containers',
    images: ['registry.example/legacy/app:2'],
    restrictedField: 'spec.containers[*].securityContext.privileged',
    values: ['true'],
  });
  const draft = { ...scope, ...pss(entry({ images: ['a:1', 'b:1'] }), privileged) };
  const compare = (e: Exemptions) => compareWithDraft({ ...scope, ...e }, draft);

  it('names what a requester left out as narrowed, and nothing widened', () => {
    expect(compare(pss(entry({ images: ['a:1'] })))).toEqual({
      widened: [],
      narrowed: [
        {
          field: 'podSecurity',
          values: [
            'Capabilities spec.containers[*].securityContext.capabilities.add: image b:1',
            'Privileged Containers spec.containers[*].securityContext.privileged',
          ],
        },
      ],
    });
  });

  it('flags every addition: a control, a field left open, an image, a value, and no entries at all', () => {
    expect(
      compare(pss(entry({ images: ['a:1', 'b:1'], restrictedField: null, values: [] }), privileged)).widened,
    ).toEqual([{ field: 'podSecurity', values: ['Capabilities: every field of the control'] }]);
    expect(compare(pss(entry({ images: [] }), privileged)).widened[0]?.values).toEqual([
      "Capabilities spec.containers[*].securityContext.capabilities.add: every container's image",
    ]);
    expect(
      compare(pss(entry({ images: ['a:1', 'b:1'], values: ['NET_ADMIN', 'SYS_ADMIN'] }), privileged))
        .widened[0]?.values,
    ).toEqual(['Capabilities spec.containers[*].securityContext.capabilities.add: value SYS_ADMIN']);
    expect(compare(NO_EXEMPTIONS).widened).toEqual([
      { field: 'podSecurity', values: ['no entries: every control of the rule'] },
    ]);
  });

  it("compares a CEL exception's lists: an empty one lends nothing and skips the policy whole", () => {
    const celDraft = { ...scope, ...NO_EXEMPTIONS, images: ['a:1', 'b:1'] };
    const cel = (images: string[], allowedValues: string[] = []) =>
      compareWithDraft({ ...scope, ...NO_EXEMPTIONS, images, allowedValues }, celDraft);
    expect(cel(['a:1'])).toEqual({ widened: [], narrowed: [{ field: 'images', values: ['b:1'] }] });
    expect(cel(['a:1', 'c:*']).widened).toEqual([{ field: 'images', values: ['c:*'] }]);
    expect(cel([]).widened).toEqual([{ field: 'images', values: ['no images: the whole policy'] }]);
    // Values typed where the draft had none narrow it: the policy runs instead of being skipped.
    expect(cel(['a:1', 'b:1'], ['team-a'])).toEqual({
      widened: [],
      narrowed: [{ field: 'allowedValues', values: ['team-a'] }],
    });
  });
});

describe('lint reads them in repository files', () => {
  const nowMs = Date.parse('2026-11-25T00:00:00Z');
  const cel = (spec: Record<string, unknown>, policy = 'ValidatingPolicy/check-labels') => {
    const manifest = renderCelPolicyException(
      activeRecord({ apiVersion: 'policies.kyverno.io/v1', policy, rules: [] }),
      defaultSettings,
      'policies.kyverno.io/v1',
    );
    return lintText(
      manifestToYaml({ ...manifest, spec: { ...manifest.spec, ...spec } }),
      'x.yaml',
      nowMs,
      defaultSettings,
    )
      .filter((f) => f.severity === 'error')
      .map((f) => `${f.rule} ${f.message}`);
  };

  it('takes images and allowedValues where the policy reads them', () => {
    expect(cel({ images: ['vendor.example/*'], allowedValues: ['team-a'] })).toEqual([]);
    expect(
      cel({
        images: ['vendor.example/*'],
        policyRefs: [{ name: 'check-labels', kind: 'NamespacedValidatingPolicy' }],
      }),
    ).toEqual([]);
  });

  it('refuses them where the policy reads none, and text Kyverno cannot quote into CEL', () => {
    expect(cel({ allowedValues: ['team-a'] }, 'ImageValidatingPolicy/check-images')).toEqual([
      'exemption-policy spec.allowedValues: a ImageValidatingPolicy reads no exceptions.allowedValues from its exceptions',
    ]);
    expect(
      cel({
        allowedValues: ['team-a'],
        policyRefs: [{ name: 'check-images', kind: 'NamespacedImageValidatingPolicy' }],
      }),
    ).toEqual([expect.stringMatching(/^exemption-policy spec\.allowedValues: a ImageValidatingPolicy/)]);
    expect(cel({ images: ["a'b"] })).toEqual([
      expect.stringMatching(/^exemption-characters spec\.images\.0: /),
    ]);
  });
});

describe("against the policy's rules", () => {
  const rules = [
    { name: 'baseline', podSecurity: { level: 'baseline', version: 'v1.29' } },
    { name: 'restricted', podSecurity: { level: 'restricted' } },
    { name: 'labels' },
  ];
  const volumes = entry({ controlName: 'Volume Types', images: [], restrictedField: null, values: [] });
  it('takes a control the rule checks, under its autogen names too', () => {
    expect(podSecurityRuleIssues([entry()], ['baseline', 'autogen-baseline'], rules)).toEqual([]);
    expect(podSecurityRuleIssues([volumes], ['restricted'], rules)).toEqual([]);
    expect(podSecurityRuleIssues([volumes], ['baseline', 'restricted'], rules)).toEqual([]);
  });
  it('refuses a control the rule never checks, and entries for a rule that is no podSecurity rule', () => {
    expect(podSecurityRuleIssues([entry(), volumes], ['baseline'], rules)).toEqual([
      {
        code: 'pod-security-level',
        field: 'podSecurity.1.controlName',
        message:
          '"Volume Types" is not checked by rule baseline (baseline, v1.29): the entry exempts nothing',
      },
    ]);
    expect(podSecurityRuleIssues([entry()], ['labels'], rules)).toMatchObject([
      { code: 'pod-security-rule', field: 'podSecurity' },
    ]);
    expect(podSecurityRuleIssues([], ['labels'], rules)).toEqual([]);
  });
});
