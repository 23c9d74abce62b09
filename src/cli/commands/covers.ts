import { parseAllDocuments } from 'yaml';
import {
  coverage,
  coverageInputs,
  policyRules,
  rulesNamedBy,
  type CoverageItem,
} from '../../domain/coverage.js';
import { messageOf, WaiverError } from '../../domain/errors.js';
import { YAML_LIMITS } from '../../domain/manifest-schema.js';
import type { CliContext } from '../context.js';
import { document, outputFormat, table } from '../output.js';
import { readSources } from '../yaml-sources.js';

export interface CoversFlags {
  file?: string[];
  resources?: string[];
  policies?: string[];
  output?: string;
}

type Doc = Record<string, unknown>;

/**
 * `waiver covers -f EXCEPTION.yaml --resources DIR [--policies DIR]`: which resources the exceptions let
 * through which rules, offline. Namespace objects among the resources give `namespaceSelector` its labels.
 */
export function run(ctx: CliContext, flags: CoversFlags): void {
  const format = outputFormat(flags.output, ['table', 'json', 'yaml']);
  if (!flags.file?.length)
    throw new WaiverError('usage', 'name the exceptions: -f EXCEPTION.yaml (a file or folder)', 'file');
  if (!flags.resources?.length)
    throw new WaiverError('usage', 'name the resources: --resources FILE|DIR (Kubernetes YAML)', 'resources');
  const { exceptions } = coverageInputs(docsOf(ctx, flags.file));
  if (exceptions.length === 0)
    throw new WaiverError('usage', `no kyverno.io PolicyException in ${flags.file.join(', ')}`, 'file');
  const { resources, namespaceLabels } = coverageInputs(docsOf(ctx, flags.resources));
  const { policies } = coverageInputs(flags.policies?.length ? docsOf(ctx, flags.policies) : []);
  const rules = policies.length ? policies.flatMap(policyRules) : rulesNamedBy(exceptions);
  const items = coverage(exceptions, resources, rules, { namespaceLabels, nowMs: ctx.clock.now() });
  if (format !== 'table') return ctx.out(document({ items }, format));
  ctx.out(itemsText(items));
}

function itemsText(items: readonly CoverageItem[]): string {
  if (items.length === 0) return 'No resource is matched by the rules given.\n';
  const covered = items.filter((i) => i.covered === true).length;
  const unknown = items.filter((i) => i.covered === 'unknown').length;
  return `${table(
    ['RESOURCE', 'POLICY', 'RULE', 'COVERED', 'BY', 'WHY'],
    items.map((i) => [
      `${i.resource.kind} ${i.resource.namespace ? `${i.resource.namespace}/` : ''}${i.resource.name}`,
      i.policy,
      i.rule,
      i.covered === 'unknown' ? 'unknown' : i.covered ? 'yes' : 'no',
      i.exceptions.join(', ') || '-',
      i.why,
    ]),
  )}${covered} covered, ${unknown} unknown, ${items.length - covered - unknown} not covered\n`;
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
