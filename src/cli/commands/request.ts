import { readFileSync, statSync } from 'node:fs';
import { fileProblemOf, WaiverError } from '../../domain/errors.js';
import { parseSingleManifest, YAML_LIMITS } from '../../domain/manifest-schema.js';
import { fieldsFromTemplate, type TemplateFields } from '../../domain/request-template.js';
import type { ExceptionView } from '../../domain/view.js';
import type { RequestInput } from '../../service/inputs.js';
import type { CliContext } from '../context.js';
import { printCoverageReport } from '../coverage-output.js';
import { printOne } from '../exception-output.js';
import { outputFormat } from '../output.js';

export interface RequestFlags {
  file?: string;
  exceptionName?: string;
  name?: string[];
  policy?: string;
  rule?: string[];
  kind?: string[];
  namespace?: string[];
  category?: string;
  ticket?: string;
  reason?: string;
  riskAssessment?: string;
  expires?: string;
  apiVersion?: string;
  target?: string;
  preview?: boolean;
  output?: string;
}

/** `waiver request`: flags, or `-f FILE` with the process template filled in; flags supply or override. */
export async function run(ctx: CliContext, flags: RequestFlags): Promise<void> {
  const format = outputFormat(flags.output, ['table', 'json', 'yaml', 'name']);
  const template = flags.file
    ? fieldsFromTemplate(
        parseSingleManifest(readSource(ctx, flags.file), flags.file === '-' ? '<stdin>' : flags.file),
      )
    : {};
  const input = mergeInput(template, flags);
  if (flags.preview) {
    if (format === 'name') throw new WaiverError('usage', '--preview prints a table, json or yaml', 'output');
    const report = await (await ctx.waiver()).previewCovers(input as RequestInput);
    return printCoverageReport(ctx, report, format);
  }
  const created = await (await ctx.waiver()).request(input as RequestInput);
  if (format !== 'table') return printOne(ctx, created.exception, format, 'requested');
  ctx.out(`${requestedLine(created.exception)}\n`);
}

/** The confirmation names what was excepted, defaults included: a policy nobody typed is never silent. */
export function requestedLine(x: ExceptionView): string {
  const rules = x.rules.length ? `rules ${x.rules.join(', ')}` : 'the whole policy';
  return `${x.id} (${x.name}) requested: ${x.state} (policy ${x.policy}, ${rules}; kinds ${x.kinds.join(', ')}; target ${x.target})`;
}

function readSource(ctx: CliContext, file: string): string {
  try {
    if (file !== '-' && statSync(file).size > YAML_LIMITS.bytes)
      throw new WaiverError(
        'usage',
        `${file} is larger than ${YAML_LIMITS.bytes / 1024} KiB: not a request`,
        'file',
      );
    return file === '-' ? ctx.readStdin() : readFileSync(file, 'utf8');
  } catch (e) {
    if (e instanceof WaiverError) throw e;
    throw new WaiverError('usage', `cannot read ${file}: ${fileProblemOf(e)}`, 'file');
  }
}

const nonEmpty = (values: string[] | undefined): string[] | undefined =>
  values?.length ? values : undefined;

/** Unset fields stay undefined so that the service's schema names each missing one. */
function mergeInput(template: TemplateFields, flags: RequestFlags): Record<string, unknown> {
  const merged: Record<string, unknown> = {
    name: flags.exceptionName ?? template.name,
    policy: flags.policy ?? template.policy,
    rules: nonEmpty(flags.rule) ?? template.rules,
    kinds: nonEmpty(flags.kind) ?? template.kinds,
    namespaces: nonEmpty(flags.namespace) ?? template.namespaces,
    names: nonEmpty(flags.name) ?? template.names,
    category: flags.category,
    ticket: flags.ticket ?? template.ticket,
    reason: flags.reason ?? template.reason,
    riskAssessment: flags.riskAssessment ?? template.riskAssessment,
    expires: flags.expires ?? template.expires,
    apiVersion: flags.apiVersion,
    target: flags.target,
  };
  return Object.fromEntries(Object.entries(merged).filter(([, v]) => v !== undefined));
}
