import { readFileSync, statSync } from 'node:fs';
import { parseRiskScore, riskScoreShapeProblem } from '../../domain/controls.js';
import { fileProblemOf, isWaiverError, WaiverError } from '../../domain/errors.js';
import { parseRequestManifests, YAML_LIMITS, type RequestDocument } from '../../domain/manifest-schema.js';
import { fieldsFromTemplate, type TemplateFields } from '../../domain/request-template.js';
import type { ExceptionView } from '../../domain/view.js';
import type { RequestInput } from '../../service/inputs.js';
import type { CliContext } from '../context.js';
import { printCoverageReport } from '../coverage-output.js';
import { printExceptions, printOne } from '../exception-output.js';
import { errorLine, issueLine } from '../flag-names.js';
import { overlapText, scopeChangeText } from '../origin-output.js';
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
  riskBefore?: string;
  riskAfter?: string;
  compensatingControls?: string;
  validation?: string[];
  falsePositive?: string;
  expires?: string;
  apiVersion?: string;
  target?: string;
  preview?: boolean;
  fromViolation?: string;
  reportsFrom?: string;
  output?: string;
}

/**
 * `waiver request`: flags, or `-f FILE` with the process template filled in; flags supply or override.
 * A file of several `---` separated templates requests each, all in one batch: every one is created or
 * none, and a refusal names its document.
 */
export async function run(ctx: CliContext, flags: RequestFlags): Promise<void> {
  const format = outputFormat(flags.output, ['table', 'json', 'yaml', 'name']);
  const source = flags.file === '-' ? '<stdin>' : flags.file;
  const documents = flags.file && source ? parseRequestManifests(readSource(ctx, flags.file), source) : [];
  if (source && documents.length > 1) {
    if (flags.preview) throw new WaiverError('usage', '--preview takes one document', 'preview');
    return requestSeveral(ctx, flags, format, source, documents);
  }
  const template = documents[0] ? fieldsFromTemplate(documents[0].manifest) : {};
  let input = mergeInput(template, flags);
  if (flags.reportsFrom !== undefined && flags.fromViolation === undefined)
    throw new WaiverError(
      'usage',
      'names where to read the reports of --from-violation, which is missing',
      'reports-from',
    );
  if (flags.fromViolation !== undefined) {
    const drafted = await fromViolation(ctx, flags.fromViolation, flags, input);
    input = drafted.input;
    ctx.err(`${drafted.line}\n`);
  }
  if (flags.preview) {
    if (format === 'name') throw new WaiverError('usage', '--preview prints a table, json or yaml', 'output');
    // What it would let through is seen where the reports come from, when that is another cluster.
    const seenOn = flags.reportsFrom === undefined ? input : { ...input, target: flags.reportsFrom };
    const report = await (await ctx.waiver()).previewCovers(seenOn as RequestInput);
    return printCoverageReport(ctx, report, format);
  }
  const created = await (await ctx.waiver()).request(input as RequestInput);
  if (format !== 'table') return printOne(ctx, created.exception, format, 'requested');
  // The reviewer sees the widening and the overlap; the requester sees them first, in the answer.
  ctx.out(
    `${requestedLine(created.exception)}\n${created.origin ? scopeChangeText(created.origin) : ''}${overlapText(created.overlap)}`,
  );
}

/**
 * `--from-violation KIND/NS/NAME --policy P [--rule R]`: the draft fills in the scope; a flag given beside
 * it replaces the draft's value (a widening is recorded with the request and shown to the reviewer).
 */
async function fromViolation(
  ctx: CliContext,
  resource: string,
  flags: RequestFlags,
  given: Record<string, unknown>,
): Promise<{ input: Record<string, unknown>; line: string }> {
  if (documents(flags))
    throw new WaiverError('usage', '--from-violation drafts the request; -f is not taken with it', 'file');
  if (!flags.policy)
    throw new WaiverError(
      'usage',
      '--from-violation needs --policy: the policy the resource fails',
      'policy',
    );
  const cluster = flags.reportsFrom;
  const draft = await (
    await ctx.waiver()
  )
    .draftFromViolation({
      resource,
      policy: flags.policy,
      rules: flags.rule,
      target: cluster ?? flags.target,
    })
    .catch((e: unknown) => {
      throw cluster === undefined ? withReportsFromHint(e) : namingReportsFrom(e);
    });
  const { target, apiVersion, ...scope } = draft.fields;
  const input = {
    ...scope,
    ...(apiVersion ? { apiVersion } : {}),
    // Reports read elsewhere: the exception lives on --target, or the default target.
    target: cluster === undefined ? target : undefined,
    ...given,
    // `--rule` picks failing rules to draft for; the draft's rules are those (autogen names added later).
    rules: scope.rules.length ? scope.rules : undefined,
    fromViolation: {
      resource,
      ...(flags.rule?.length ? { rules: flags.rule } : {}),
      ...(cluster === undefined ? {} : { cluster }),
    },
  };
  return {
    input: Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined)),
    line: `drafted from ${draft.from.resource.kind} ${draft.from.resource.namespace}/${draft.from.resource.name} (${draft.basis}): ${draft.why}`,
  };
}

/** `--reports-from` named a target that is not a cluster: the flag to fix is that one, not --target. */
function namingReportsFrom(e: unknown): unknown {
  if (!(e instanceof WaiverError) || e.field !== 'target') return e;
  return new WaiverError(e.code, e.message, 'reports-from', [], { cause: e });
}

/** The exception's target is not a cluster: the reports may still be read from one. */
function withReportsFromHint(e: unknown): unknown {
  if (!(e instanceof WaiverError) || e.field !== 'target' || !/is not a cluster/.test(e.message)) return e;
  return new WaiverError(
    e.code,
    `${e.message}; or keep it there and read the reports with --reports-from CLUSTER`,
    'target',
    [],
    { cause: e },
  );
}

const documents = (flags: RequestFlags): boolean => flags.file !== undefined;

async function requestSeveral(
  ctx: CliContext,
  flags: RequestFlags,
  format: 'table' | 'json' | 'yaml' | 'name',
  source: string,
  documents: readonly RequestDocument[],
): Promise<void> {
  const inputs = documents.map((d) => mergeInput(fieldsFromTemplate(d.manifest), flags) as RequestInput);
  let report;
  try {
    report = await (await ctx.waiver()).requestBatch(inputs);
  } catch (e) {
    throw namingDocument(e, source, documents);
  }
  const created = report.items.flatMap((item) => (item.ok ? [item.exception] : []));
  if (format === 'table') for (const x of created) ctx.out(`${requestedLine(x)}\n`);
  else printExceptions(ctx, created, format);
}

/** The service names a refused request by its place in the batch (`requests.2.policy`); the file's reader wants its document. */
function namingDocument(e: unknown, source: string, documents: readonly RequestDocument[]): unknown {
  const at = isWaiverError(e) ? /^requests\.(\d+)(?:\.(.+))?$/.exec(e.field ?? '') : null;
  const document = documents[Number(at?.[1])]?.document;
  if (!isWaiverError(e) || !at || document === undefined) return e;
  const field = at[2];
  const prefix = `requests.${at[1]}.`;
  const lines = e.issues.length
    ? e.issues.map((issue) =>
        issueLine({
          ...issue,
          field: issue.field.startsWith(prefix) ? issue.field.slice(prefix.length) : issue.field,
        }),
      )
    : [errorLine(e.message.replace(/^request \d+ of \d+: /, ''), field)];
  return new WaiverError(e.code, `${source} document ${document}: ${lines.join('; ')}`, field, [], {
    cause: e,
  });
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

/** `--risk-before 4:3 [--risk-after 2:3]`: likelihood and impact, each checked on the 1–5 scale by the service. */
function riskRating(flags: RequestFlags): RiskRatingInput | undefined {
  if (flags.riskBefore === undefined) {
    if (flags.riskAfter !== undefined)
      throw new WaiverError('usage', '--risk-after needs --risk-before', 'riskRating.before');
    return undefined;
  }
  const score = (text: string, flag: string, field: string) => {
    const parsed = parseRiskScore(text);
    if (!parsed) throw new WaiverError('usage', `${flag} ${riskScoreShapeProblem(text)}`, field);
    return parsed;
  };
  return {
    before: score(flags.riskBefore, '--risk-before', 'riskRating.before'),
    after: flags.riskAfter === undefined ? null : score(flags.riskAfter, '--risk-after', 'riskRating.after'),
  };
}

type RiskRatingInput = NonNullable<RequestInput['riskRating']>;

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
    riskRating: riskRating(flags),
    compensatingControls: flags.compensatingControls,
    validations: nonEmpty(flags.validation),
    falsePositive: flags.falsePositive,
    expires: flags.expires ?? template.expires,
    apiVersion: flags.apiVersion,
    target: flags.target,
    podSecurity: template.podSecurity,
  };
  return Object.fromEntries(Object.entries(merged).filter(([, v]) => v !== undefined));
}
