import { parseAllDocuments } from 'yaml';
import { coverage, coverageInputs, coverageNotes, policyRules, rulesNamedBy } from '../../domain/coverage.js';
import { messageOf, WaiverError } from '../../domain/errors.js';
import { exemptionSummary, withVerdicts } from '../../domain/evaluate/coverage-verdicts.js';
import { YAML_LIMITS } from '../../domain/manifest-schema.js';
import type { CliContext } from '../context.js';
import { coverageTable, printCoverageReport } from '../coverage-output.js';
import { document, outputFormat } from '../output.js';
import { readSources } from '../yaml-sources.js';

export interface CoversFlags {
  file?: string[];
  resources?: string[];
  policies?: string[];
  output?: string;
}

type Doc = Record<string, unknown>;

const nameOf = (d: Doc): string => {
  const name = (d['metadata'] as Doc | undefined)?.['name'];
  return typeof name === 'string' ? name : '';
};

/** Policy kinds "would it still fail?" evaluates (the others are answered unknown). */
const EVALUATED_KINDS = ['ClusterPolicy', 'Policy', 'ValidatingPolicy', 'NamespacedValidatingPolicy'];

/**
 * `waiver covers -f EXCEPTION.yaml --resources DIR [--policies DIR]`: which resources the exceptions let
 * through which rules, offline. Namespace objects among the resources give `namespaceSelector` its labels.
 */
export async function run(ctx: CliContext, id: string | undefined, flags: CoversFlags): Promise<void> {
  const format = outputFormat(flags.output, ['table', 'json', 'yaml']);
  if (id !== undefined) {
    if (flags.file?.length || flags.resources?.length || flags.policies?.length)
      throw new WaiverError(
        'usage',
        'give an exception id (the cluster) or -f and --resources (files), not both',
        'file',
      );
    return printCoverageReport(ctx, await (await ctx.waiver()).covers(id), format);
  }
  if (!flags.file?.length)
    throw new WaiverError(
      'usage',
      'name an exception (covers EX-42: the cluster) or the files (covers -f EXCEPTION.yaml --resources DIR)',
      'file',
    );
  if (!flags.resources?.length)
    throw new WaiverError('usage', 'name the resources: --resources FILE|DIR (Kubernetes YAML)', 'resources');
  const { exceptions } = coverageInputs(docsOf(ctx, flags.file));
  if (exceptions.length === 0)
    throw new WaiverError('usage', `no kyverno.io PolicyException in ${flags.file.join(', ')}`, 'file');
  const resourceDocs = docsOf(ctx, flags.resources);
  const { resources, namespaceLabels } = coverageInputs(resourceDocs);
  const policyDocs = flags.policies?.length ? docsOf(ctx, flags.policies) : [];
  // Given policies decide what is checked: their rules, or what a CEL policy's matchConstraints select.
  const given = flags.policies?.length ? coverageInputs(policyDocs).policies : undefined;
  if (given?.length === 0)
    throw new WaiverError(
      'usage',
      `no policy (ClusterPolicy, Policy or a policies.kyverno.io policy) in ${flags.policies?.join(', ') ?? ''}`,
      'policies',
    );
  const rules = given ? given.flatMap(policyRules) : rulesNamedBy(exceptions);
  const notes = given ? coverageNotes(given, exceptions) : [];
  const covered = coverage(exceptions, resources, rules, { namespaceLabels, nowMs: ctx.clock.now() });
  const { items, findings } = withVerdicts(covered, {
    policies: policyDocs.filter((d) => EVALUATED_KINDS.includes(String(d['kind']))),
    resources,
    nowMs: ctx.clock.now(),
    namespaces: new Map(resourceDocs.filter((d) => d['kind'] === 'Namespace').map((d) => [nameOf(d), d])),
  });
  const exemption = exemptionSummary(items);
  if (format !== 'table')
    return ctx.out(
      document(
        { items, notes, ...(exemption ? { exemption } : {}), ...(findings.length ? { findings } : {}) },
        format,
      ),
    );
  const table = items.length
    ? coverageTable(items, items.length)
    : 'No resource is matched by the rules given.\n';
  ctx.out(
    `${table}${notes.map((n) => `note: ${n}\n`).join('')}${findings.map((f) => `finding: ${f}\n`).join('')}`,
  );
}

function docsOf(ctx: CliContext, paths: readonly string[]): Doc[] {
  return paths.flatMap((path) =>
    readSources(ctx, path, 'check').flatMap(({ file, text }) => {
      try {
        return parseAllDocuments(text)
          .map((d) => d.toJS({ maxAliasCount: YAML_LIMITS.aliases }) as unknown)
          .filter((d): d is Doc => typeof d === 'object' && d !== null && !Array.isArray(d));
      } catch (e) {
        throw new WaiverError('usage', `${file}: not YAML: ${messageOf(e)}`, 'file');
      }
    }),
  );
}
