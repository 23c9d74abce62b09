/**
 * The API docs page, served by the server itself (no CDN). The page holds no data: it asks for a token
 * and reads /api/openapi.json with it, so the API description stays behind authentication.
 */
export const docsHtml = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Waiver API</title>
<style>
body{font:14px/1.5 system-ui,sans-serif;margin:2rem auto;max-width:60rem;color:#222}
code,pre{font:12px ui-monospace,monospace}pre{background:#f5f5f5;padding:.5rem;overflow:auto}
.op{border:1px solid #ddd;border-radius:4px;margin:.5rem 0;padding:.5rem}
.method{display:inline-block;min-width:4rem;font-weight:bold;text-transform:uppercase}
</style>
</head>
<body>
<h1>Waiver API</h1>
<form id="auth"><label>Bearer token <input id="token" type="password" size="50" autocomplete="off"></label>
<button>Load</button></form>
<p id="status"></p>
<div id="ops"></div>
<script src="/api/docs/docs.js"></script>
</body>
</html>
`;

export const docsJs = `'use strict';
const el = (tag, text, cls) => { const e = document.createElement(tag); if (text) e.textContent = text; if (cls) e.className = cls; return e; };
async function load(token) {
  const status = document.getElementById('status');
  const ops = document.getElementById('ops');
  ops.replaceChildren();
  const res = await fetch('/api/openapi.json', { headers: { authorization: 'Bearer ' + token } });
  if (!res.ok) { status.textContent = 'HTTP ' + res.status + ': ' + (await res.json()).message; return; }
  const doc = await res.json();
  status.textContent = doc.info.title + ' ' + doc.info.version + ' - ' + doc.info.description;
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      const box = el('div', '', 'op');
      const head = el('div');
      head.append(el('span', method, 'method'), el('code', path), el('span', ' - ' + op.summary));
      box.append(head);
      for (const p of op.parameters || []) box.append(el('div', p.in + ' ' + p.name + (p.required ? ' (required)' : '') + (p.description ? ': ' + p.description : '')));
      const body = op.requestBody && op.requestBody.content['application/json'].schema;
      if (body) box.append(el('pre', JSON.stringify(body, null, 2)));
      box.append(el('div', 'responses: ' + Object.keys(op.responses).join(', ')));
      ops.append(box);
    }
  }
}
document.getElementById('auth').addEventListener('submit', (e) => {
  e.preventDefault();
  const token = document.getElementById('token').value.trim();
  sessionStorage.setItem('waiver-token', token);
  load(token).catch((err) => { document.getElementById('status').textContent = String(err); });
});
const saved = sessionStorage.getItem('waiver-token');
if (saved) { document.getElementById('token').value = saved; load(saved).catch(() => {}); }
`;
