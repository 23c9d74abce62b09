import { parseAllDocuments, type DocumentOptions, type SchemaOptions } from 'yaml';
import * as z from 'zod';
import { firstLine, WaiverError, type Issue } from './errors.js';
import { check } from './issue-wording.js';
import type { CelPolicyExceptionManifest, Condition, PolicyExceptionManifest } from './manifest.js';
import { CONDITION_OPERATORS } from './kyverno-operators.js';

const stringList = z.array(z.string());
/** `labels:` with nothing under it is null in YAML; treat it as absent. */
const stringMap = z
  .record(z.string(), z.string())
  .nullish()
  .transform((v) => v ?? undefined);

const labelSelectorSchema = z
  .object({
    matchLabels: z.record(z.string(), z.string()).optional(),
    matchExpressions: z
      .array(z.object({ key: z.string(), operator: z.string(), values: stringList.optional() }))
      .optional(),
  })
  .passthrough();

const resourceFilterSchema = z
  .object({
    kinds: stringList.optional(),
    name: z.string().optional(),
    namespaces: stringList.optional(),
    names: stringList.optional(),
    annotations: z.record(z.string(), z.string()).optional(),
    selector: labelSelectorSchema.optional(),
    namespaceSelector: labelSelectorSchema.optional(),
    operations: stringList.optional(),
  })
  .passthrough();

const matchFilterSchema = z
  .object({
    resources: resourceFilterSchema.optional(),
    subjects: z
      .array(z.object({ kind: z.string(), name: z.string(), namespace: z.string().optional() }))
      .optional(),
    roles: stringList.optional(),
    clusterRoles: stringList.optional(),
  })
  .passthrough();

/** One Pod Security Standard control an exception exempts (kyverno.io/v1 PodSecurityStandard). */
const podSecuritySchema = z
  .object({
    controlName: z.string(),
    images: stringList.optional(),
    restrictedField: z.string().optional(),
    values: stringList.optional(),
  })
  .passthrough();

const conditionSchema = z.object({
  key: z.unknown(),
  // The CRD's enum: Kyverno's API server refuses any other operator.
  operator: z.enum(CONDITION_OPERATORS),
  value: z.unknown().optional(),
  message: z.string().optional(),
});

/** The metadata both kinds of PolicyException are read with. */
const metadataSchema = z.object({
  name: z.string().min(1),
  namespace: z.string().optional(),
  labels: stringMap,
  annotations: stringMap,
});

/** A kyverno.io PolicyException read from YAML, validated once here. */
export const PolicyExceptionSchema = z.object({
  apiVersion: z.string(),
  kind: z.literal('PolicyException'),
  metadata: metadataSchema,
  spec: z
    .object({
      background: z.boolean().optional(),
      exceptions: z.array(z.object({ policyName: z.string(), ruleNames: stringList })).default([]),
      match: z
        .object({ any: z.array(matchFilterSchema).optional(), all: z.array(matchFilterSchema).optional() })
        .default({}),
      conditions: z
        .object({ any: z.array(conditionSchema).optional(), all: z.array(conditionSchema).optional() })
        .optional(),
      podSecurity: z.array(podSecuritySchema).optional(),
    })
    .passthrough(),
});

/** A policies.kyverno.io PolicyException (the CEL one) read from YAML, validated once here. */
export const CelPolicyExceptionSchema = z.object({
  apiVersion: z.string(),
  kind: z.literal('PolicyException'),
  metadata: metadataSchema,
  spec: z
    .object({
      policyRefs: z.array(z.object({ name: z.string(), kind: z.string() })).default([]),
      matchConditions: z.array(z.object({ name: z.string(), expression: z.string() })).optional(),
      expiresAt: z.string().optional(),
      properties: z.record(z.string(), z.string()).optional(),
      images: stringList.optional(),
      allowedValues: stringList.optional(),
    })
    .passthrough(),
});

/** One YAML document of a file: a PolicyException, another kind (skipped), or an error. */
export type ParsedDocument =
  | { kind: 'exception'; index: number; manifest: PolicyExceptionManifest }
  | { kind: 'cel-exception'; index: number; manifest: CelPolicyExceptionManifest }
  | { kind: 'other'; index: number; objectKind: string }
  | { kind: 'invalid'; index: number; field: string; message: string };

/**
 * What one YAML text may hold. Manifests are small; anything past these is hostile or a mistake, and
 * parsing it would cost the server seconds of CPU and hundreds of megabytes.
 */
export const YAML_LIMITS = { bytes: 1024 * 1024, documents: 1_000, depth: 64, aliases: 100 } as const;

/** How deep `[` and `{` nest outside quoted strings: one pass, no parsing. */
function flowDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === '\\' && quote === '"') i++;
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '#' && (i === 0 || /\s/.test(text[i - 1] ?? ''))) {
      const end = text.indexOf('\n', i);
      i = end < 0 ? text.length : end;
    } else if (c === '[' || c === '{') deepest = Math.max(deepest, ++depth);
    else if ((c === ']' || c === '}') && depth > 0) depth--;
  }
  return deepest;
}

/**
 * How deep block collections nest, estimated from the widest indentation (two spaces a level) and the
 * longest run of compact indicators (`- - - x`) on one line.
 */
function blockDepth(text: string): number {
  let deepest = 0;
  for (const line of text.split('\n')) {
    const indent = line.length - line.trimStart().length;
    const compact = /^(?:[-?:]\s+)*/.exec(line.trimStart())?.[0].replace(/\s+/g, '').length ?? 0;
    deepest = Math.max(deepest, Math.floor(indent / 2) + compact);
  }
  return deepest;
}

/** Why a text is refused before it is parsed, if it is. */
function beyondLimits(text: string): string | undefined {
  if (text.length > YAML_LIMITS.bytes) return `larger than ${YAML_LIMITS.bytes / 1024} KiB`;
  const separators = text.match(/^---/gm)?.length ?? 0;
  if (separators >= YAML_LIMITS.documents) return `more than ${YAML_LIMITS.documents} documents`;
  if (flowDepth(text) > YAML_LIMITS.depth || blockDepth(text) > YAML_LIMITS.depth)
    return `nested deeper than ${YAML_LIMITS.depth} levels`;
  // The parser's cost grows faster than their number: a manifest has none or a handful.
  if ((text.match(/(^|\s)[&!][^\s]/g)?.length ?? 0) > YAML_LIMITS.aliases * 10)
    return `more than ${YAML_LIMITS.aliases * 10} anchors and tags`;
  return undefined;
}

/**
 * Manifests read as kubectl, Argo CD and Flux read them (sigs.k8s.io/yaml, YAML 1.1): a plain `yes`, `on`
 * or `1_000` is a boolean or a number there, and so here, where the schema refuses it by its field. A
 * plain date stays a string, as it does there.
 */
const asKubectlReads = {
  version: '1.1',
  customTags: (tags) =>
    tags.filter((tag) => typeof tag === 'string' || tag.tag !== 'tag:yaml.org,2002:timestamp'),
} as const satisfies DocumentOptions & SchemaOptions;

/**
 * A raw U+2028 or U+2029: this library (YAML 1.2) reads it as text, kubectl, Argo CD and Flux (YAML 1.1)
 * as a line break, so the file means one thing here and another where it is applied.
 */
function rawLineSeparator(text: string): string | undefined {
  const at = text.search(/[\u2028\u2029]/);
  if (at < 0) return undefined;
  const line = text.slice(0, at).split('\n').length;
  const name = text[at] === '\u2028' ? 'U+2028 LINE SEPARATOR' : 'U+2029 PARAGRAPH SEPARATOR';
  return `line ${line}: a raw ${name}, which kubectl, Argo CD and Flux (YAML 1.1) read as a line break: write it escaped in double quotes ("\\u${text.charCodeAt(at).toString(16)}")`;
}

/** Reads every document of a YAML text; malformed YAML or a malformed PolicyException is reported, never thrown. */
export function parseManifests(text: string): ParsedDocument[] {
  const refused = beyondLimits(text);
  if (refused) return [{ kind: 'invalid', index: 0, field: 'yaml', message: `refused: ${refused}` }];
  const separator = rawLineSeparator(text);
  if (separator) return [{ kind: 'invalid', index: 0, field: 'yaml', message: separator }];
  return parseAllDocuments(text, asKubectlReads).flatMap((doc, index): ParsedDocument[] => {
    const error = doc.errors[0];
    if (error)
      return [
        {
          kind: 'invalid',
          index,
          field: 'yaml',
          message: `line ${error.linePos?.[0].line ?? '?'}: ${firstLine(error.message)}`,
        },
      ];
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: YAML_LIMITS.aliases });
    } catch (e) {
      // An alias bomb: a few bytes that expand into millions of nodes.
      return [
        {
          kind: 'invalid',
          index,
          field: 'yaml',
          message: `refused: ${firstLine(e instanceof Error ? e.message : String(e))}`,
        },
      ];
    }
    if (value === null || value === undefined) return [];
    const objectKind = typeof value === 'object' && 'kind' in value ? String(value.kind) : '';
    if (objectKind !== 'PolicyException') return [{ kind: 'other', index, objectKind }];
    const apiVersion = typeof value === 'object' && 'apiVersion' in value ? String(value.apiVersion) : '';
    if (apiVersion.startsWith('policies.kyverno.io/')) {
      const cel = check(CelPolicyExceptionSchema, value);
      if (!cel.ok) return [invalid(index, cel.issues)];
      return [{ kind: 'cel-exception', index, manifest: cel.data as CelPolicyExceptionManifest }];
    }
    const parsed = check(PolicyExceptionSchema, value);
    if (!parsed.ok) return [invalid(index, parsed.issues)];
    return [{ kind: 'exception', index, manifest: parsed.data as PolicyExceptionManifest }];
  });
}

/** The first problem of an invalid document, as lint reports it. */
const invalid = (index: number, issues: readonly Issue[]): ParsedDocument => {
  const first = issues[0];
  return { kind: 'invalid', index, field: first?.field ?? '', message: first?.message ?? 'invalid' };
};

/** The single PolicyException of a request file; anything else is a usage error naming the problem. */
export function parseSingleManifest(text: string, source: string): PolicyExceptionManifest {
  const docs = parseManifests(text);
  const invalid = docs.find((d) => d.kind === 'invalid');
  if (invalid?.kind === 'invalid')
    throw new WaiverError('usage', `${source}: ${invalid.field}: ${invalid.message}`, invalid.field);
  const exceptions = docs.filter((d) => d.kind === 'exception');
  const only = exceptions[0];
  if (exceptions.length !== 1 || only?.kind !== 'exception') {
    throw new WaiverError(
      'usage',
      `${source}: expected exactly one PolicyException, found ${exceptions.length}`,
      'file',
    );
  }
  return only.manifest;
}

/** One request of a request file: its PolicyException and its place in the file (1-based). */
export interface RequestDocument {
  document: number;
  manifest: PolicyExceptionManifest;
}

/**
 * The PolicyExceptions of a request file, `---` separated, one request each. A file of one document reads
 * as `parseSingleManifest` does; with several, a bad one is refused by its place (`r.yaml document 3:
 * spec.exceptions: …`) and so is anything that is not a PolicyException, so nothing is half requested.
 */
export function parseRequestManifests(text: string, source: string): RequestDocument[] {
  const docs = parseManifests(text);
  if (docs.length <= 1) return [{ document: 1, manifest: parseSingleManifest(text, source) }];
  return docs.map((d) => {
    const where = `${source} document ${d.index + 1}`;
    switch (d.kind) {
      case 'exception':
        return { document: d.index + 1, manifest: d.manifest };
      case 'invalid':
        throw new WaiverError('usage', `${where}: ${d.field}: ${d.message}`, 'file');
      case 'cel-exception':
        throw new WaiverError('usage', `${where}: a request is a kyverno.io PolicyException`, 'file');
      case 'other':
        throw new WaiverError(
          'usage',
          `${where}: expected a PolicyException, found ${d.objectKind || 'no kind'}`,
          'file',
        );
    }
  });
}

export type ExpiryForm = 'time_before' | 'comparison' | 'none';

export interface ExpiryReading {
  form: ExpiryForm;
  /** The timestamp as written, if any. */
  value?: string;
  condition?: Condition;
  /** Where the condition sits: `all` applies it, `any` with other conditions may not. */
  block?: 'all' | 'any';
}

/** The expiry forms Kyverno evaluates to a boolean, each meaning `now < instant` (kyverno/FACTS.md). */
const TIME_FORMS = [
  /time_before\(\s*'\{\{\s*time_now_utc\(\)\s*\}\}'\s*,\s*'([^']+)'\s*\)/,
  /time_before\(\s*time_now_utc\(\)\s*,\s*'([^']+)'\s*\)/,
  /time_after\(\s*'([^']+)'\s*,\s*time_now_utc\(\)\s*\)/,
];

/** Finds the time condition of an exception and says in which form it was written. */
export function readExpiry(manifest: PolicyExceptionManifest): ExpiryReading {
  const blocks = [
    ['all', manifest.spec.conditions?.all ?? []],
    ['any', manifest.spec.conditions?.any ?? []],
  ] as const;
  for (const [block, conditions] of blocks) {
    for (const condition of conditions) {
      const key = typeof condition.key === 'string' ? condition.key : '';
      const before = TIME_FORMS.map((form) => form.exec(key)).find(Boolean);
      if (before?.[1] !== undefined) return { form: 'time_before', value: before[1], condition, block };
      if (key.includes('time_now')) {
        return {
          form: 'comparison',
          value: typeof condition.value === 'string' ? condition.value : String(condition.value),
          condition,
          block,
        };
      }
    }
  }
  return { form: 'none' };
}
