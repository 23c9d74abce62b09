import { Ajv, type ValidateFunction } from 'ajv';
import ajvFormats from 'ajv-formats';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { exportOscal, uuidV5 } from '../src/service/export-oscal.js';
import { localActor } from '../src/service/actor.js';
import type { ServiceDeps } from '../src/service/deps.js';
import { FEDRAMP_NS, WAIVER_NS } from '../src/domain/oscal.js';
import { openStore } from '../src/wire/deps.js';
import { backends } from './support/databases.js';
import { join } from 'node:path';
import { cli } from './support/cli.js';
import { startTestServer } from './support/server.js';
import { useTempDir } from './support/temp.js';
import { seedHistory } from './support/history.js';

const tempDir = useTempDir();
const TEAM = "has(object.metadata.labels) && object.metadata.labels['team'] == 'maps'";
// A backtick in a string literal: the Markdown description needs a longer code span around it.
const NO_HOST_PATH =
  '!has(object.spec.volumes) || object.spec.volumes.all(v, !has(v.hostPath)) || "`a_b*" == ""';

const schema = (name: string): object =>
  JSON.parse(readFileSync(new URL(`./fixtures/oscal/v1.1.3/${name}`, import.meta.url), 'utf8')) as object;

// A CommonJS module whose function is also its `default`.
const addFormats = ajvFormats.default;

function validator(name: string): ValidateFunction {
  // OSCAL's patterns use Unicode classes (\p{L}): only the u flag reads them.
  const ajv = new Ajv({ strict: false, allErrors: true, unicodeRegExp: true });
  addFormats(ajv);
  return ajv.compile(schema(name));
}
const validatePoam = validator('oscal_poam_schema.json');
const validateResults = validator('oscal_assessment-results_schema.json');

async function text(deps: ServiceDeps, model: 'poam' | 'assessment-results', period = {}): Promise<string> {
  let out = '';
  for await (const chunk of exportOscal(deps, localActor('auditor'), { model, ...period })) out += chunk;
  return out;
}

/**
 * The UUIDs a document defines (each object's `uuid`) and those it refers to (`observation-uuid`,
 * `risk-uuid`, `party-uuid`, `actor-uuid`): OSCAL's metaschema constraints (index-has-key) require every
 * reference to name something the document holds, as NIST's oscal-cli checks.
 */
function uuidsOf(doc: unknown): { defined: Set<string>; referenced: Set<string> } {
  const defined = new Set<string>();
  const referenced = new Set<string>();
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object')
      for (const [key, value] of Object.entries(node)) {
        if (key === 'uuid' && typeof value === 'string') defined.add(value);
        else if (/^(observation|risk|party|actor)-uuid$/.test(key) && typeof value === 'string')
          referenced.add(value);
        else walk(value);
      }
  };
  walk(doc);
  return { defined, referenced };
}

const errors = (v: ValidateFunction) =>
  (v.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''}`).slice(0, 10);

describe('OSCAL export', () => {
  it('writes a POA&M the OSCAL 1.1.3 schema accepts', async () => {
    const { deps } = await seedHistory();
    const doc = JSON.parse(await text(deps, 'poam')) as unknown;
    const ok = validatePoam(doc);
    expect(errors(validatePoam)).toEqual([]);
    expect(ok).toBe(true);
  });

  it('writes assessment results the OSCAL 1.1.3 schema accepts', async () => {
    const { deps } = await seedHistory();
    const doc = JSON.parse(await text(deps, 'assessment-results')) as unknown;
    const ok = validateResults(doc);
    expect(errors(validateResults)).toEqual([]);
    expect(ok).toBe(true);
  });

  it('defines every observation, risk and party its references name, in both documents', async () => {
    const { deps } = await seedHistory();
    for (const model of ['poam', 'assessment-results'] as const) {
      const doc = JSON.parse(await text(deps, model)) as unknown;
      const { defined, referenced } = uuidsOf(doc);
      expect(referenced.size, model).toBeGreaterThan(0);
      expect(
        [...referenced].filter((r) => !defined.has(r)),
        `${model}: references without their target`,
      ).toEqual([]);
    }
  });

  it('fails a document broken on purpose, so the validation is real', async () => {
    const { deps } = await seedHistory();
    const doc = JSON.parse(await text(deps, 'poam')) as {
      'plan-of-action-and-milestones': { risks: Record<string, unknown>[] };
    };
    const risk = doc['plan-of-action-and-milestones'].risks[0] ?? {};
    const broken = (change: (r: Record<string, unknown>) => void) => {
      const copy = structuredClone(doc);
      change(copy['plan-of-action-and-milestones'].risks[0] ?? {});
      return validatePoam(copy);
    };
    expect(Object.keys(risk)).toContain('status');
    expect(broken((r) => delete r['statement'])).toBe(false);
    expect(broken((r) => (r['uuid'] = 'not-a-uuid'))).toBe(false);
    expect(broken((r) => (r['deadline'] = '22 November 2026'))).toBe(false);
    // A Unicode class pattern: a token cannot start with a digit.
    expect(broken((r) => (r['props'] = [{ name: '1bad', value: 'x' }]))).toBe(false);
    expect(broken(() => undefined)).toBe(true);
  });

  it('gives each exception a risk whose status and log follow its history, field by field', async () => {
    const { deps } = await seedHistory();
    const poam = (JSON.parse(await text(deps, 'poam')) as { 'plan-of-action-and-milestones': Poam })[
      'plan-of-action-and-milestones'
    ];
    const byId = new Map(poam.risks.map((r) => [prop(r, 'exception-id'), r]));
    const summary = Object.fromEntries(
      [...byId].map(([id, r]) => [
        id,
        `${r.status} ${prop(r, 'closure-reason') ?? '-'} OR=${prop(r, 'operational-requirement') ?? '-'} FP=${prop(r, 'false-positive') ?? '-'} RA=${prop(r, 'risk-adjustment') ?? '-'}`,
      ]),
    );
    expect(summary).toEqual({
      'EX-1': 'closed superseded-by-renewal OR=approved FP=- RA=approved',
      // A stated false positive is approved with the request, and stays so once the exception ended.
      'EX-2': 'closed expired-and-removed OR=approved FP=approved RA=-',
      'EX-3': 'closed revoked OR=approved FP=- RA=-',
      'EX-4': 'closed escalated OR=approved FP=- RA=-',
      // Rated lower with no compensating control: no mitigating factor, so no risk adjustment claimed.
      'EX-5': 'closed no-longer-needed OR=approved FP=- RA=-',
      // The renewal carries its predecessor's rating and controls.
      'EX-6': 'deviation-approved - OR=approved FP=- RA=approved',
      'EX-7': 'deviation-requested - OR=pending FP=pending RA=-',
      'EX-8': 'closed rejected OR=withdrawn FP=withdrawn RA=-',
    });
    // Each claim has its observation, of FedRAMP's type, linked from the risk and the poam-item.
    const observed = new Map(poam.observations.map((o) => [o.uuid, o]));
    const claims = (uuids: readonly { 'observation-uuid': string }[] | undefined) =>
      (uuids ?? []).map((u) => observed.get(u['observation-uuid'])?.types.join('+') ?? 'missing');
    for (const [id, types] of [
      ['EX-1', ['finding+operational-requirement', 'risk-adjustment']],
      ['EX-2', ['finding+operational-requirement', 'false-positive']],
      ['EX-5', ['finding+operational-requirement']],
      ['EX-8', ['finding+operational-requirement', 'false-positive']],
    ] as const) {
      const risk = byId.get(id);
      expect(claims(risk?.['related-observations']), id).toEqual(types);
      const item = poam['poam-items'].find((i) => prop(i, 'POAM-ID') === id);
      expect(claims(item?.['related-observations']), id).toEqual(types);
    }
    const fp = observed.get(byId.get('EX-8')?.['related-observations']?.[1]?.['observation-uuid'] ?? '');
    expect(fp).toMatchObject({
      title: 'EX-8: stated false positive',
      description:
        "alice states that require-image-signature's finding is a false positive for Pod named maps-api-* in namespace maps: The maps images only look unsigned to the policy",
      methods: ['EXAMINE'],
      types: ['false-positive'],
      collected: byId.get('EX-8')?.['risk-log'].entries[0]?.start,
    });
    expect(fp?.['relevant-evidence']?.map((e) => e.href)).toEqual([
      '/api/v1/exceptions/EX-8/evidence',
      '/api/v1/exceptions/EX-8/covers',
      '/api/v1/audit?exception=EX-8',
    ]);
    const ra = observed.get(byId.get('EX-1')?.['related-observations']?.[1]?.['observation-uuid'] ?? '');
    expect(ra?.description).toBe(
      'Risk high (likelihood 4, impact 4) adjusted to moderate (likelihood 2, impact 3) by: Admission logs reviewed daily; egress restricted to the vendor registry',
    );
    expect(poam.observations).toHaveLength(8 + 3 + 2);
    const ex1 = byId.get('EX-1');
    const parties = new Map(poam.metadata.parties.map((p) => [p.uuid, p.name]));
    expect(
      ex1?.['risk-log'].entries.map(
        (e) =>
          `${e.start} ${parties.get(e['logged-by'][0]?.['party-uuid'] ?? '') ?? '?'} ${e.title} -> ${e['status-change'] ?? ''}`,
      ),
    ).toEqual([
      '2026-11-02T09:00:00Z alice Risk identified -> open',
      '2026-11-02T09:00:00Z alice Deviation requested -> deviation-requested',
      '2026-11-02T10:00:00Z bob Deviation approved (risk accepted) -> deviation-approved',
      '2026-11-02T11:00:00Z carol Exception applied to its target -> ',
      '2026-11-02T11:00:00Z carol Target confirmed the change -> ',
      '2026-11-15T11:00:00Z carol Exception removed -> closed',
    ]);
    expect(
      ex1?.props.filter((p) => p.name === 'impacted-control-id' && p.ns === FEDRAMP_NS).map((p) => p.value),
    ).toEqual(['si-7', 'cm-14']);
    expect(prop(ex1, 'risk-adjustment')).toBe('approved');
    expect(ex1?.['mitigating-factors']?.map((m) => m.description)).toEqual([
      'Admission logs reviewed daily; egress restricted to the vendor registry',
    ]);
    expect(
      ex1?.characterizations?.[0]?.facets.map((f) => `${f.name}=${f.value}/${f.props[0]?.value ?? ''}`),
    ).toEqual([
      'likelihood=4/initial',
      'impact=4/initial',
      'risk=high/initial',
      'likelihood=2/adjusted',
      'impact=3/adjusted',
      'risk=moderate/adjusted',
    ]);
    expect(byId.get('EX-2')?.characterizations).toBeUndefined();
    expect(prop(byId.get('EX-2'), 'risk-adjustment')).toBeUndefined();
    // Each poam-item links its exception's observation and risk, and each observation points at evidence.
    const observation = new Map(poam.observations.map((o) => [o.uuid, o]));
    for (const item of poam['poam-items']) {
      const risk = poam.risks.find((r) => r.uuid === item['related-risks'][0]?.['risk-uuid']);
      const seen = observation.get(item['related-observations'][0]?.['observation-uuid'] ?? '');
      expect(risk && seen && prop(risk, 'exception-id')).toBe(prop(item, 'POAM-ID'));
      expect(seen?.['relevant-evidence']?.map((e) => e.href)).toEqual([
        `/api/v1/exceptions/${prop(item, 'POAM-ID') ?? ''}/evidence`,
        `/api/v1/exceptions/${prop(item, 'POAM-ID') ?? ''}/covers`,
        `/api/v1/audit?exception=${prop(item, 'POAM-ID') ?? ''}`,
      ]);
    }
    expect(poam['poam-items']).toHaveLength(8);
  });

  it('lists each compensating validation as a mitigating factor after the stated controls, valid and stable', async () => {
    const export9 = async () => {
      const { deps, as } = await seedHistory();
      await as('alice').request({
        namespaces: ['maps'],
        names: ['maps-web-*'],
        category: 'legacy-migration',
        ticket: 'MIG-9',
        reason: 'Legacy maps images run as root until the rebuild lands next sprint',
        expires: '20d',
        apiVersion: 'policies.kyverno.io/v1',
        policy: 'ValidatingPolicy/require-run-as-non-root',
        compensatingControls: 'Only the maps team deploys here',
        validations: [TEAM, NO_HOST_PATH],
      });
      await as('bob').approve('EX-9', 'risk accepted');
      await as('carol').apply('EX-9');
      return { poam: await text(deps, 'poam'), results: await text(deps, 'assessment-results') };
    };
    const { poam, results } = await export9();
    const doc = JSON.parse(poam) as { 'plan-of-action-and-milestones': Poam };
    const ok = validatePoam(doc);
    expect(errors(validatePoam)).toEqual([]);
    expect(ok).toBe(true);
    const valid = validateResults(JSON.parse(results));
    expect(errors(validateResults)).toEqual([]);
    expect(valid).toBe(true);
    const risk = doc['plan-of-action-and-milestones'].risks.find((r) => prop(r, 'exception-id') === 'EX-9');
    expect(risk?.['mitigating-factors']).toEqual([
      { uuid: uuidV5('mitigating-factor:9'), description: 'Only the maps team deploys here' },
      {
        uuid: uuidV5('mitigating-factor:9:validation:0'),
        props: [{ name: 'match-condition', ns: WAIVER_NS, value: 'waiver-validation-0' }],
        description: `Compensating validation 1 of 2: a CEL check Kyverno evaluates before the exception applies (match condition waiver-validation-0); the exception lets through only resources for which it is true: \`${TEAM}\``,
      },
      {
        uuid: uuidV5('mitigating-factor:9:validation:1'),
        props: [{ name: 'match-condition', ns: WAIVER_NS, value: 'waiver-validation-1' }],
        description: `Compensating validation 2 of 2: a CEL check Kyverno evaluates before the exception applies (match condition waiver-validation-1); the exception lets through only resources for which it is true: \`\` ${NO_HOST_PATH} \`\``,
      },
    ]);
    // No NIST control is mapped to this policy: its objective is the policy, as an OSCAL token.
    const findings = (
      JSON.parse(results) as {
        'assessment-results': {
          results: { findings: { props: Prop[]; target: { 'target-id': string } }[] }[];
        };
      }
    )['assessment-results'].results[0]?.findings;
    expect(findings?.find((f) => prop(f, 'exception-id') === 'EX-9')?.target['target-id']).toBe(
      'policy.ValidatingPolicy_require-run-as-non-root',
    );
    // The same history gives the same document, and the stated control's factor keeps its UUID.
    expect((await export9()).poam).toBe(poam);
    const ex1 = doc['plan-of-action-and-milestones'].risks.find((r) => prop(r, 'exception-id') === 'EX-1');
    expect(ex1?.['mitigating-factors']).toEqual([
      {
        uuid: uuidV5('mitigating-factor:1'),
        description: 'Admission logs reviewed daily; egress restricted to the vendor registry',
      },
    ]);
  });

  it('keeps to the period: only exceptions alive in it, and their status as it stood at its end', async () => {
    const { deps } = await seedHistory();
    const doc = JSON.parse(
      await text(deps, 'poam', { from: '2026-11-01T00:00:00Z', to: '2026-11-10T00:00:00Z' }),
    ) as {
      'plan-of-action-and-milestones': Poam;
    };
    expect(validatePoam(doc)).toBe(true);
    const risks = doc['plan-of-action-and-milestones'].risks;
    expect(risks.map((r) => `${prop(r, 'exception-id') ?? ''} ${r.status}`)).toEqual([
      'EX-1 deviation-approved',
      'EX-2 deviation-approved',
      'EX-3 deviation-approved',
      'EX-4 deviation-approved',
      'EX-5 deviation-approved',
    ]);
    expect(doc['plan-of-action-and-milestones'].metadata['last-modified']).toBe('2026-11-02T23:00:00Z');
    const later = JSON.parse(await text(deps, 'poam', { from: '2026-11-16T00:00:00Z' })) as {
      'plan-of-action-and-milestones': Poam;
    };
    // Revoked, superseded and refused before the period began: left out.
    expect(later['plan-of-action-and-milestones'].risks.map((r) => prop(r, 'exception-id'))).toEqual([
      'EX-2',
      'EX-6',
      'EX-7',
    ]);
  });

  it('refuses a model or period it cannot write, naming the field', async () => {
    const { deps } = await seedHistory();
    await expect(text(deps, 'poam', { from: 'yesterday' })).rejects.toMatchObject({
      code: 'usage',
      field: 'from',
    });
    await expect(
      text(deps, 'poam', { from: '2026-11-10T00:00:00Z', to: '2026-11-01T00:00:00Z' }),
    ).rejects.toMatchObject({ code: 'usage', field: 'from' });
    await expect(text(deps, 'sap' as 'poam')).rejects.toMatchObject({ code: 'usage', field: 'model' });
  });
});

describe.each(backends.filter((b) => b.enabled))('OSCAL export from $name', ({ databases }) => {
  const dbs = databases();
  it('is byte-identical for the same history, and valid, from a real database', async () => {
    const store = await openStore(await dbs.fresh());
    try {
      const { deps } = await seedHistory(store);
      const first = await text(deps, 'poam');
      expect(await text(deps, 'poam')).toBe(first);
      expect(validatePoam(JSON.parse(first))).toBe(true);
      const results = await text(deps, 'assessment-results');
      expect(await text(deps, 'assessment-results')).toBe(results);
      expect(validateResults(JSON.parse(results))).toBe(true);
    } finally {
      await store.close();
    }
  });
});

describe('OSCAL export through the CLI and the API', () => {
  it('prints the same document from the command line and the API; the API needs a reader', async () => {
    const dir = tempDir();
    const database = join(dir, 'w.db');
    const store = await openStore(database);
    let local: string;
    try {
      const { deps } = await seedHistory(store);
      local = await text(deps, 'poam');
    } finally {
      await store.close();
    }
    const printed = await cli(dir, ['export', 'oscal', '--model', 'poam'], { as: 'erin' });
    expect(printed.stdout).toBe(local);
    const wrong = await cli(dir, ['export', 'oscal', '--model', 'ssp']);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('--model must be poam or assessment-results, not "ssp"');

    const server = await startTestServer({ database, dir });
    try {
      const auditor = server.as(await server.token('erin', ['auditor']));
      const answer = await auditor('GET', '/api/v1/export/oscal?model=poam');
      expect(answer.status).toBe(200);
      expect(answer.headers.get('content-type')).toContain('application/json');
      expect(answer.text).toBe(local);
      const period = await auditor(
        'GET',
        '/api/v1/export/oscal?model=assessment-results&to=2026-11-10T00:00:00Z',
      );
      expect(validateResults(period.body)).toBe(true);
      const bad = await auditor('GET', '/api/v1/export/oscal?model=ssp');
      expect(bad.status).toBe(400);
      expect(bad.body).toMatchObject({ code: 'usage' });
      expect(JSON.stringify(bad.body)).toContain('model');
      expect((await server.as('not-a-token')('GET', '/api/v1/export/oscal?model=poam')).status).toBe(401);
      const openapi = await auditor('GET', '/api/openapi.json');
      expect(Object.keys((openapi.body as { paths: object }).paths)).toContain('/api/v1/export/oscal');
    } finally {
      await server.close();
    }
  });
});

interface Prop {
  name: string;
  ns?: string;
  value: string;
}
interface Risk {
  uuid: string;
  status: string;
  props: Prop[];
  'risk-log': {
    entries: {
      start: string;
      title: string;
      'status-change'?: string;
      'logged-by': { 'party-uuid': string }[];
    }[];
  };
  'mitigating-factors'?: { uuid: string; description: string; props?: Prop[] }[];
  characterizations?: { facets: { name: string; value: string; props: Prop[] }[] }[];
  'related-observations': { 'observation-uuid': string }[];
}
interface Poam {
  metadata: { 'last-modified': string; parties: { uuid: string; name: string }[] };
  observations: {
    uuid: string;
    title: string;
    description: string;
    types: string[];
    'relevant-evidence'?: { href: string }[];
  }[];
  risks: Risk[];
  'poam-items': {
    props: Prop[];
    'related-risks': { 'risk-uuid': string }[];
    'related-observations': { 'observation-uuid': string }[];
  }[];
}
const prop = (o: { props: Prop[] } | undefined, name: string): string | undefined =>
  o?.props.find((p) => p.name === name)?.value;
