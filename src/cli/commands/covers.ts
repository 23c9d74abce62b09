import { parseAllDocuments } from 'yaml';
import {
  coverage,
  policyRules,
  rulesNamedBy,
  type CoverageItem,
  type NamedException,
} from '../../domain/coverage.js';
import { messageOf, WaiverError } from '../../domain/errors.js';
import type { ExceptionSpec, ResourceUnderTest } from '../../domain/exception-match.js';
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

type Doc = Record<string, unknown> & { metadata?: Record<string, unknown> };

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
  const exceptions = docsOf(ctx, flags.file).filter(isPolicyException).map(namedException);
  if (exceptions.length === 0)
    throw new WaiverError('usage', `no kyverno.io PolicyException in ${flags.file.join(', ')}`, 'file');
  const resourceDocs = docsOf(ctx, flags.resources);
  const namespaceLabels = new Map(
    resourceDocs
      .filter((d) => d['kind'] === 'Namespace')
      .map((d) => [text(d.metadata?.['name']), labelsOf(d.metadata?.['labels'])]),
  );
  const resources = resourceDocs.filter((d) => !isPolicyException(d)).map(resourceOf);
  const policies = flags.policies?.length
    ? docsOf(ctx, flags.policies).filter((d) => d['kind'] === 'ClusterPolicy' || d['kind'] === 'Policy')
    : [];
  const rules = policies.length
    ? policies.flatMap((p) => policyRules(p as Parameters<typeof policyRules>[0]))
    : rulesNamedBy(exceptions);
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

const isPolicyException = (d: Doc): boolean =>
  d['kind'] === 'PolicyException' && String(d['apiVersion']).startsWith('kyverno.io/');
const text = (v: unknown): string => (typeof v === 'string' ? v : '');
const labelsOf = (v: unknown): Record<string, string> =>
  typeof v === 'object' && v !== null
    ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, String(x)]))
    : {};

function namedException(d: Doc): NamedException {
  return {
    namespace: text(d.metadata?.['namespace']),
    name: text(d.metadata?.['name']),
    spec: (d['spec'] ?? { exceptions: [] }) as ExceptionSpec,
  };
}

function resourceOf(d: Doc): ResourceUnderTest {
  return {
    apiVersion: text(d['apiVersion']),
    kind: text(d['kind']),
    name: text(d.metadata?.['name']),
    generateName: text(d.metadata?.['generateName']) || undefined,
    namespace: text(d.metadata?.['namespace']) || undefined,
    labels: labelsOf(d.metadata?.['labels']),
    annotations: labelsOf(d.metadata?.['annotations']),
  };
}
