import {
  Document,
  Scalar,
  stringify,
  visit,
  type CreateNodeOptions,
  type DocumentOptions,
  type SchemaOptions,
  type ToStringOptions,
} from 'yaml';

/** YAML 1.2's tests for scalars other than strings (`true`, `42`, `0o17`, `~`), as the library has them. */
const yaml12Scalars = new Document().schema.tags.filter(
  (tag) => tag.default === true && tag.tag !== 'tag:yaml.org,2002:str' && tag.test !== undefined,
);

/**
 * The `yaml` library's options for a manifest: no folding of long lines, no anchors for objects that
 * appear twice, and strings quoted wherever YAML 1.1 or 1.2 would read them otherwise. kubectl, Argo CD
 * and Flux read manifests through sigs.k8s.io/yaml, a YAML 1.1 reader: a plain `y`, `yes`, `on` or `off`
 * (each a valid namespace name) reaches the API server as `true`, and `1_000` as 1000. YAML 1.2 readers
 * (Waiver's own) take `0o17` for a number, which YAML 1.1 does not: its test is added to 1.1's.
 */
export const unambiguousYamlOptions: DocumentOptions & SchemaOptions & ToStringOptions & CreateNodeOptions = {
  lineWidth: 0,
  aliasDuplicateObjects: false,
  version: '1.1',
  customTags: (tags) => [...tags, ...yaml12Scalars],
};
const options = unambiguousYamlOptions;

/**
 * U+2028 and U+2029: YAML 1.1 readers (sigs.k8s.io/yaml, so kubectl, Argo CD and Flux; PyYAML) take them
 * for line breaks, in plain and block scalars alike, where the `yaml` library (YAML 1.2) writes them as
 * text: a reason holding one would make a manifest kubectl cannot read.
 */
const lineSeparator = /[\u2028\u2029]/;

/**
 * `value` as YAML by the library with the options above, and any string holding U+2028 or U+2029
 * double-quoted with them escaped (`\u2028`): read back as the same text by YAML 1.1 and 1.2 readers.
 */
export function unambiguousYaml(value: unknown): string {
  const doc = new Document(value, options);
  let escaped = false;
  visit(doc, {
    Scalar(_, node) {
      if (typeof node.value === 'string' && lineSeparator.test(node.value)) {
        node.type = Scalar.QUOTE_DOUBLE;
        escaped = true;
      }
    },
  });
  const text = doc.toString(options);
  // Keys are never such strings (a manifest's are names): every separator left stands in double quotes.
  return escaped ? text.replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029') : text;
}

/** The tests by which a plain scalar is read as other than a string, in YAML 1.1 or 1.2. */
const otherThanString = new Document(null, options).schema.tags.flatMap((tag) =>
  tag.default === true && tag.tag !== 'tag:yaml.org,2002:str' && tag.test ? [tag.test] : [],
);

/** What the library refuses to write plain, as its own check says (stringifyString's plainString). */
const needsQuotes = /^[\n\t ,[\]{}#&*!|>'"%@`]|^[?-]$|^[?-][ \t]|[\n:][ \t]|[ \t]\n|[\n\t ]#|[\n\t :]$/;
/**
 * Text the library escapes (control characters, lone surrogates), breaks over lines, or writes
 * depending on where it stands (a document marker at a line's start).
 */
// eslint-disable-next-line no-control-regex
const special = /[\n\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u{D800}-\u{DFFF}]|^(?:---|\.\.\.)/u;
/** Text a double-quoted scalar holds unescaped. */
const printable = /^[\x20-\x21\x23-\x5b\x5d-\x7e]*$/;
/** A key every manifest's keys are: written plain, whatever the context. */
const simpleKey = /^[A-Za-z][\w./-]*$/;

const plain = (text: string): boolean =>
  text !== '' && !needsQuotes.test(text) && !otherThanString.some((test) => test.test(text));

/** Thrown by the writer below for a value it does not write as the library would; caught within. */
class NotSimple extends Error {}

/** A one-line string as the library writes it in a block: plain, else quoted by the library itself. */
function scalarText(text: string): string {
  if (special.test(text)) throw new NotSimple();
  if (plain(text)) return text;
  // What the library double-quotes and, being printable ASCII without a quote or backslash, leaves as is.
  if (printable.test(text)) return `"${text}"`;
  // A one-line scalar is written the same alone as in a block (document markers excepted above).
  return stringify(text, options).slice(0, -1);
}

/** A value after `key:` or `- `: its own line's text (leading space included), or lines below. */
function valueText(value: unknown, indent: string, lines: string[], head: string): void {
  if (typeof value === 'string') lines.push(`${head} ${scalarText(value)}`);
  else if (typeof value === 'boolean') lines.push(`${head} ${String(value)}`);
  else if (typeof value === 'number' && Number.isSafeInteger(value) && !Object.is(value, -0))
    lines.push(`${head} ${String(value)}`);
  else if (value === null) lines.push(`${head} null`);
  else if (Array.isArray(value)) {
    if (value.length === 0) lines.push(`${head} []`);
    else {
      lines.push(head);
      seqLines(value, `${indent}  `, lines);
    }
  } else if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    if (Object.keys(value).length === 0) lines.push(`${head} {}`);
    else {
      lines.push(head);
      mapLines(value as Record<string, unknown>, `${indent}  `, lines, undefined);
    }
  } else throw new NotSimple();
}

/** A map's pairs at `indent`; the first line starts with `first` instead (a sequence's `- `). */
function mapLines(
  map: Record<string, unknown>,
  indent: string,
  lines: string[],
  first: string | undefined,
): void {
  let lead = first;
  for (const key in map) {
    const value = map[key];
    if (value === undefined || !simpleKey.test(key) || !plain(key)) throw new NotSimple();
    valueText(value, indent, lines, `${lead ?? indent}${key}:`);
    lead = undefined;
  }
}

/** A sequence's items at `indent`, each `- `: scalars and maps (a sequence in a sequence is left to the library). */
function seqLines(seq: readonly unknown[], indent: string, lines: string[]): void {
  for (const item of seq) {
    if (
      typeof item === 'object' &&
      item !== null &&
      !Array.isArray(item) &&
      Object.getPrototypeOf(item) === Object.prototype &&
      Object.keys(item).length > 0
    )
      mapLines(item as Record<string, unknown>, `${indent}  `, lines, `${indent}- `);
    else if (Array.isArray(item) || (typeof item === 'object' && item !== null)) throw new NotSimple();
    else valueText(item, indent, lines, `${indent}-`);
  }
}

/**
 * A manifest (a map of strings, integers, booleans, nulls, lists and maps) as YAML, exactly as the `yaml`
 * library writes it with `lineWidth: 0`, no aliases and YAML 1.1: every string quoted where YAML 1.1 or
 * 1.2 would read it otherwise, and the library's own escaping for any string that needs quotes. Written line by line,
 * which takes a fraction of the library's time for a manifest; anything else (a multi-line string, a
 * fraction, a list in a list, a key that is not a plain name) is left to the library whole.
 */
export function manifestYaml(manifest: object): string {
  const lines: string[] = [];
  try {
    if (Object.getPrototypeOf(manifest) !== Object.prototype || Object.keys(manifest).length === 0)
      throw new NotSimple();
    mapLines(manifest as Record<string, unknown>, '', lines, undefined);
  } catch (e) {
    if (!(e instanceof NotSimple)) throw e;
    return unambiguousYaml(manifest);
  }
  return `${lines.join('\n')}\n`;
}
