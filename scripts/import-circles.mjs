#!/usr/bin/env node
// Finds import circles among the TypeScript modules under a folder (src/ by default): every static
// `import … from`, `export … from` and `import(…)` of a relative path counts, type-only ones too, since a
// circle of types is still a circle a reader has to untangle. Exits 1 and prints each circle when any.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)['"](\.{1,2}\/[^'"]+)['"]/gm;

function modules(folder) {
  return readdirSync(folder, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.tsx?$/.test(e.name) && !/\.d\.ts$/.test(e.name))
    .map((e) => join(e.parentPath, e.name));
}

/** The module a relative specifier names: `./x.js` is `./x.ts` (or `.tsx`) in the sources. */
function target(from, specifier, known) {
  const base = resolve(dirname(from), specifier);
  for (const candidate of [
    base.replace(/\.js$/, '.ts'),
    base.replace(/\.js$/, '.tsx'),
    base,
    `${base}.ts`,
    join(base, 'index.ts'),
  ])
    if (known.has(candidate)) return candidate;
  return undefined;
}

/** Every circle (a strongly connected group of modules, or a module importing itself), as paths under `folder`. */
export function importCircles(folder) {
  const root = resolve(folder);
  const files = modules(root);
  const known = new Set(files);
  const edges = new Map(
    files.map((file) => {
      const text = readFileSync(file, 'utf8');
      const to = new Set();
      for (const [, specifier] of text.matchAll(SPECIFIER)) {
        const t = target(file, specifier, known);
        if (t !== undefined) to.add(t);
      }
      return [file, [...to]];
    }),
  );
  // Tarjan's strongly connected components, iteratively (a deep import chain must not overflow the stack).
  const index = new Map();
  const low = new Map();
  const onStack = new Set();
  const stack = [];
  const circles = [];
  let next = 0;
  for (const start of files) {
    if (index.has(start)) continue;
    const work = [[start, 0]];
    index.set(start, next);
    low.set(start, next++);
    stack.push(start);
    onStack.add(start);
    while (work.length > 0) {
      const frame = work[work.length - 1];
      const [node, i] = frame;
      const out = edges.get(node);
      if (i < out.length) {
        frame[1]++;
        const to = out[i];
        if (!index.has(to)) {
          index.set(to, next);
          low.set(to, next++);
          stack.push(to);
          onStack.add(to);
          work.push([to, 0]);
        } else if (onStack.has(to)) low.set(node, Math.min(low.get(node), index.get(to)));
        continue;
      }
      work.pop();
      if (work.length > 0) {
        const parent = work[work.length - 1][0];
        low.set(parent, Math.min(low.get(parent), low.get(node)));
      }
      if (low.get(node) !== index.get(node)) continue;
      const group = [];
      let member;
      do {
        member = stack.pop();
        onStack.delete(member);
        group.push(member);
      } while (member !== node);
      if (group.length > 1 || edges.get(node).includes(node))
        circles.push(group.map((f) => relative(root, f)).sort());
    }
  }
  return circles;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const folder = process.argv[2] ?? 'src';
  const circles = importCircles(folder);
  for (const circle of circles) console.log(`circle: ${circle.join(' ⇄ ')}`);
  console.log(`${circles.length} import circle(s) under ${folder}`);
  process.exitCode = circles.length === 0 ? 0 : 1;
}
