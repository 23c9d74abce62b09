// The blast radius at scale: 1,000 active exceptions (Waiver's own manifests, each for one namespace and a
// name pattern) against 10,000 resources (pods and controllers over 200 namespaces), with a policy whose
// Pod rule yields Kyverno's autogen rules; then 10× the resources. Median of 5 runs each (budget: 200 ms).
import { coverage, policyRules } from '../dist/src/domain/coverage.js';
import { newRequest } from '../dist/src/domain/new-request.js';
import { renderPolicyException } from '../dist/src/domain/render.js';
import { defaultSettings } from '../dist/src/domain/settings.js';
import { benchSize, scaled } from './support/size.mjs';

const EXCEPTIONS = benchSize(1000, 50);
const ROUNDS = scaled(5, 1);
const NAMESPACES = 200;
const now = Date.parse('2026-12-01T00:00:00Z');
const exceptions = Array.from({ length: EXCEPTIONS }, (_, i) => {
  const { record } = newRequest({
    scope: {
      name: `svc-${i}-mig-${i}`,
      policy: 'require-image-signature',
      rules: ['check-image-signature', 'autogen-check-image-signature'],
      kinds: ['Pod', 'Deployment'],
      namespaces: [`team-${i % NAMESPACES}`],
      names: [`svc-${i}-*`],
    },
    justification: {
      category: 'legacy-migration',
      ticket: `MIG-${i}`,
      reason: 'Legacy images move to the signed pipeline',
      riskAssessment: null,
      expiresAt: '2026-12-20T00:00:00Z',
      riskRating: null,
      compensatingControls: null,
      validations: [],
      falsePositive: null,
    },
    requestor: 'alice',
    now: '2026-11-20T00:00:00Z',
    apiVersion: 'kyverno.io/v2',
  });
  const manifest = renderPolicyException(
    { ...record, id: i + 1, version: 1, approver: 'bob' },
    defaultSettings,
  );
  return { namespace: 'policy-exceptions', name: manifest.metadata.name, spec: manifest.spec };
});
const rules = policyRules({
  metadata: { name: 'require-image-signature' },
  spec: { rules: [{ name: 'check-image-signature', match: { any: [{ resources: { kinds: ['Pod'] } }] } }] },
});
const resources = (count) =>
  Array.from({ length: count }, (_, i) => {
    const deployment = i % 2 === 1;
    return {
      apiVersion: deployment ? 'apps/v1' : 'v1',
      kind: deployment ? 'Deployment' : 'Pod',
      name: `svc-${i % 1500}-${i}`,
      namespace: `team-${i % NAMESPACES}`,
      labels: { app: `svc-${i % 1500}` },
    };
  });
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
for (const count of [10 * EXCEPTIONS, 100 * EXCEPTIONS]) {
  const list = resources(count);
  const times = [];
  let items;
  for (let run = 0; run < ROUNDS; run++) {
    const t0 = performance.now();
    items = coverage(exceptions, list, rules, { nowMs: now });
    times.push(performance.now() - t0);
  }
  const covered = items.filter((i) => i.covered === true).length;
  console.log(
    `${EXCEPTIONS.toLocaleString('en')} exceptions × ${count.toLocaleString('en')} resources: ${median(times).toFixed(0)} ms (median of ${ROUNDS}), ${items.length.toLocaleString('en')} resource-rule pairs, ${covered.toLocaleString('en')} covered`,
  );
}
