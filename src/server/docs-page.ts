/**
 * The API docs page, served by the server itself (no CDN, no inline script). It reads the OpenAPI
 * document, which needs no token (it describes the API, not what it holds), and shows each operation
 * with its parameters, its body's fields and its answers.
 */
export const docsHtml = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Waiver API</title>
<link rel="icon" href="/favicon.svg" type="image/svg+xml">
<style>
body{font:15px/1.5 system-ui,sans-serif;margin:0 auto;padding:1rem;max-width:64rem;color:#1b1f24}
a{color:#0a58ca}code{font:13px ui-monospace,monospace}
nav ul{columns:2 18rem;padding-left:1.2rem}nav li{break-inside:avoid}
.op{border:1px solid #d0d7de;border-radius:8px;margin:1rem 0;padding:.75rem 1rem}
.op h3{margin:0 0 .25rem;font-size:1rem;display:flex;flex-wrap:wrap;gap:.5rem;align-items:baseline}
.method{display:inline-block;min-width:4.2rem;text-align:center;font:700 12px ui-monospace,monospace;border-radius:4px;padding:.1rem .4rem;color:#fff;background:#57606a}
.get{background:#0a58ca}.post{background:#1a7f37}.delete{background:#b42318}
.op h4{margin:.75rem 0 .25rem;font-size:.9rem;color:#57606a}
.wrap{overflow-x:auto}
table{border-collapse:collapse;width:100%;font-size:.875rem}
th,td{text-align:left;padding:.25rem .5rem;border-bottom:1px solid #d0d7de;vertical-align:top}
th{background:#f6f8fa}
.req{color:#b42318;font-size:.8rem}.muted{color:#57606a}
.lock{font-size:.8rem;color:#57606a}
</style>
</head>
<body>
<h1>Waiver API</h1>
<p id="status" role="status">Loading the OpenAPI document…</p>
<p class="muted">The machine-readable document is <a href="/api/openapi.json">/api/openapi.json</a>. Calls
send <code>Authorization: Bearer &lt;token&gt;</code>; an admin makes tokens with <code>waiver token create</code>.</p>
<nav aria-label="Operations"><ul id="toc"></ul></nav>
<main id="ops"></main>
<script src="/api/docs/docs.js"></script>
</body>
</html>
`;

export const docsJs = `'use strict';
const el = (tag, text, cls) => { const e = document.createElement(tag); if (text !== undefined && text !== '') e.textContent = text; if (cls) e.className = cls; return e; };
let doc;
const resolve = (s) => {
  if (s && s.$ref && s.$ref.startsWith('#/components/schemas/')) return doc.components.schemas[s.$ref.slice(21)] || {};
  return s || {};
};
const typeOf = (raw) => {
  const s = resolve(raw);
  if (s.enum) return s.enum.map((v) => JSON.stringify(v)).join(' | ');
  const alts = s.anyOf || s.oneOf;
  if (alts) return alts.map(typeOf).join(' | ');
  if (s.type === 'array') return typeOf(s.items) + '[]';
  let t = s.type || 'any';
  if (s.format) t += ' (' + s.format + ')';
  if (s.nullable) t += ' | null';
  return t;
};
/** The fields of an object schema as rows, nested objects and arrays of objects indented below. */
function fieldRows(raw, prefix, rows, depth) {
  const s = resolve(raw);
  const obj = s.type === 'array' ? resolve(s.items) : s;
  const alts = obj.anyOf || obj.oneOf;
  if (alts) { for (const a of alts) fieldRows(a, prefix, rows, depth); return rows; }
  if (!obj.properties || depth > 4) return rows;
  const required = obj.required || [];
  for (const [name, prop] of Object.entries(obj.properties)) {
    const p = resolve(prop);
    const path = prefix ? prefix + '.' + name : name;
    rows.push([path, typeOf(p), required.includes(name), p.description || '']);
    const inner = p.type === 'array' ? resolve(p.items) : p;
    if (inner.properties || inner.anyOf || inner.oneOf) fieldRows(p, p.type === 'array' ? path + '[]' : path, rows, depth + 1);
  }
  return rows;
}
function table(head, rows) {
  const wrap = el('div', '', 'wrap');
  const t = el('table');
  const tr = el('tr');
  for (const h of head) { const th = el('th', h); th.scope = 'col'; tr.append(th); }
  const thead = el('thead'); thead.append(tr);
  const tbody = el('tbody');
  for (const row of rows) {
    const r = el('tr');
    row.forEach((cell, i) => {
      const td = el('td');
      if (i === 0) td.append(el('code', cell));
      else if (cell === true) td.append(el('span', 'required', 'req'));
      else if (cell !== false) td.textContent = cell;
      r.append(td);
    });
    tbody.append(r);
  }
  t.append(thead, tbody); wrap.append(t);
  return wrap;
}
function operation(path, method, op) {
  const id = op.operationId || (method + path).replace(/[^a-z0-9]+/gi, '-');
  const box = el('section', '', 'op'); box.id = id;
  const h = el('h3');
  h.append(el('span', method.toUpperCase(), 'method ' + method), el('code', path), el('span', op.summary || ''));
  if (op.security && op.security.length === 0) h.append(el('span', 'no token needed', 'lock'));
  box.append(h);
  const params = op.parameters || [];
  if (params.length) {
    box.append(el('h4', 'Parameters'));
    box.append(table(['Name', 'In', 'Type', 'Required', 'Description'], params.map((p) => [p.name, p.in, typeOf(p.schema), !!p.required, p.description || ''])));
  }
  const body = op.requestBody && op.requestBody.content['application/json'];
  if (body) {
    box.append(el('h4', 'Body (JSON)' + (op.requestBody.required ? '' : ', optional')));
    const rows = fieldRows(body.schema, '', [], 0);
    box.append(rows.length ? table(['Field', 'Type', 'Required', 'Description'], rows) : el('p', typeOf(body.schema)));
  }
  box.append(el('h4', 'Answers'));
  const all = Object.entries(op.responses || {});
  const answers = all.filter(([status]) => status < '400').map(([status, r]) => {
    const types = Object.keys(r.content || {}).join(', ');
    return [status, r.description + (types ? ' — ' + types : '')];
  });
  box.append(table(['Status', 'Meaning'], answers));
  const errors = all.filter(([status]) => status >= '400').map(([status]) => status);
  if (errors.length) {
    const p = el('p', 'Errors: ' + errors.join(', ') + ' — ', 'muted');
    const a = el('a', 'what each means'); a.href = '#errors'; p.append(a);
    box.append(p);
  }
  const toc = el('li'); const a = el('a', method.toUpperCase() + ' ' + path + (op.summary ? ' — ' + op.summary : '')); a.href = '#' + id; toc.append(a);
  document.getElementById('toc').append(toc);
  return box;
}
async function load() {
  const status = document.getElementById('status');
  const res = await fetch('/api/openapi.json');
  if (!res.ok) { status.textContent = 'The OpenAPI document did not load: HTTP ' + res.status; return; }
  doc = await res.json();
  status.textContent = doc.info.title + ' ' + doc.info.version + ': ' + doc.info.description;
  const ops = document.getElementById('ops');
  const first = Object.values(doc.paths).flatMap((m) => Object.values(m)).find((op) => op.responses && op.responses['400']);
  if (first) {
    const box = el('section', '', 'op'); box.id = 'errors';
    box.append(el('h2', 'Errors'), el('p', 'Every error is JSON: {code, message, field?}, the field naming what was wrong.'));
    box.append(table(['Status', 'Meaning'], Object.entries(first.responses).filter(([s]) => s >= '400').map(([s, r]) => [s, r.description])));
    ops.append(box);
  }
  for (const [path, methods] of Object.entries(doc.paths))
    for (const [method, op] of Object.entries(methods)) ops.append(operation(path, method, op));
}
load().catch((err) => { document.getElementById('status').textContent = String(err); });
`;
