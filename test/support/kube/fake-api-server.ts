import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parse as parseYaml } from 'yaml';
import { groups, groupVersions, resourceTypes, storageKey, verbsOf, type ResourceType } from './resources.js';

/**
 * A Kubernetes API server for tests, faithful where Waiver (and kubectl) depend on it: /version and
 * discovery, list/get/create/update/delete, JSON merge patch and server-side apply, watch with
 * resourceVersion and bookmarks, 409 on a stale resourceVersion, 410 for a watch older than the
 * retained history, and Status errors shaped like the real ones. Faults can be injected.
 */

type Obj = Record<string, any>;

interface WatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  object: Obj;
  rv: number;
  key: string;
}

export interface Fault {
  /** Which requests: e.g. `(r) => r.method === 'PATCH'`. */
  match: (r: { method: string; path: string }) => boolean;
  /** An HTTP status to answer with, or 'hang' to never answer. */
  answer: number | 'hang';
  /** How many matching requests it affects. */
  times: number;
  /** The Status message; by default "injected fault" (a function may echo the request, as some proxies do). */
  message?: (r: IncomingMessage) => string;
}

export interface RequestRecord {
  method: string;
  path: string;
  contentType: string | undefined;
  userAgent: string | undefined;
}

export class FakeKubeApiServer {
  private server: Server | undefined;
  private rv = 100;
  private readonly objects = new Map<string, Obj>();
  private readonly history: WatchEvent[] = [];
  private readonly watchers = new Set<{
    key: string;
    namespace?: string;
    res: ServerResponse;
    bookmarks: boolean;
  }>();
  private readonly hanging = new Set<ServerResponse>();
  /** Oldest resourceVersion a watch may resume from; older gets 410 Gone. */
  private compactedTo = 100;
  readonly faults: Fault[] = [];
  readonly requests: RequestRecord[] = [];
  /** Group/versions not served, as when a CRD is not installed (e.g. `kyverno.io/v2`). */
  readonly unserved = new Set<string>();
  /** (verb, plural) pairs answered with 403, as RBAC would. */
  readonly forbidden = new Set<string>();
  /** How long a write (POST, PUT, PATCH, DELETE) waits before it is answered, as for etcd's commit. */
  writeLatencyMs = 0;
  url = '';

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    for (const w of this.watchers) w.res.end();
    for (const r of this.hanging) r.destroy();
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }

  /** A kubeconfig pointing here, as kubectl and client-node read it. */
  kubeconfig(namespace = 'default'): string {
    return [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      `- name: test\n  cluster:\n    server: ${this.url}\n    insecure-skip-tls-verify: true`,
      'users:',
      '- name: test\n  user:\n    token: test-token',
      'contexts:',
      `- name: test\n  context:\n    cluster: test\n    user: test\n    namespace: ${namespace}`,
      'current-context: test',
      '',
    ].join('\n');
  }

  // ---- direct access for tests (a plural, or plural.group as kubectl takes it: policyexceptions.policies.kyverno.io) (what an operator with kubectl would do, without HTTP) ----

  seed(apiVersion: string, kind: string, obj: Obj): Obj {
    const type = resourceTypes.find(
      (t) => `${t.group ? `${t.group}/` : ''}${t.version}` === apiVersion && t.kind === kind,
    );
    if (!type) throw new Error(`no such type ${apiVersion} ${kind}`);
    return this.store(type, { apiVersion, kind, ...obj }, 'ADDED');
  }

  get(plural: string, namespace: string | undefined, name: string): Obj | undefined {
    const type = typeNamed(plural);
    return type && this.objects.get(this.key(type, namespace, name));
  }

  /** Deletes as `kubectl delete` would, watchers told. */
  erase(plural: string, namespace: string | undefined, name: string): void {
    const type = typeNamed(plural);
    const key = type && this.key(type, namespace, name);
    const current = key && this.objects.get(key);
    if (!type || !key || !current) throw new Error(`no ${plural} ${namespace ?? ''}/${name}`);
    this.objects.delete(key);
    const rv = ++this.rv;
    this.record({
      type: 'DELETED',
      object: { ...current, metadata: { ...current['metadata'], resourceVersion: String(rv) } },
      rv,
      key: storageKey(type),
    });
  }

  list(plural: string): Obj[] {
    const type = typeNamed(plural);
    return type
      ? [...this.objects.entries()].filter(([k]) => k.startsWith(`${storageKey(type)}/`)).map(([, o]) => o)
      : [];
  }

  /** Forgets watch history up to now: a watch resuming from before gets 410 Gone. */
  compact(): void {
    this.compactedTo = this.rv;
    this.history.length = 0;
  }

  /** Sends a BOOKMARK with the current resourceVersion to every watcher that asked for bookmarks. */
  bookmark(): void {
    for (const w of this.watchers)
      if (w.bookmarks)
        this.send(w.res, { type: 'BOOKMARK', object: { metadata: { resourceVersion: String(this.rv) } } });
  }

  /** Ends every open watch, as an API server restart or a load balancer timeout would. */
  dropWatches(): void {
    for (const w of this.watchers) w.res.end();
    this.watchers.clear();
  }

  // ---- HTTP ----

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.url);
    const method = req.method ?? 'GET';
    this.requests.push({
      method,
      path: url.pathname + url.search,
      contentType: req.headers['content-type'],
      userAgent: req.headers['user-agent'],
    });
    const fault = this.faults.find(
      (f) => f.times > 0 && f.match({ method, path: url.pathname + url.search }),
    );
    if (fault) {
      fault.times--;
      if (fault.answer === 'hang') {
        this.hanging.add(res);
        return;
      }
      return this.status(
        res,
        fault.answer,
        fault.answer === 409 ? 'Conflict' : 'InternalError',
        fault.message?.(req) ?? 'injected fault',
      );
    }
    const body = await readBody(req);
    // A real API server answers a write once etcd has committed it (a raft round and an fsync).
    if (this.writeLatencyMs > 0 && method !== 'GET')
      await new Promise((resolve) => setTimeout(resolve, this.writeLatencyMs));
    try {
      this.route(method, url, req, body, res);
    } catch (e) {
      this.status(res, 400, 'BadRequest', e instanceof Error ? e.message : String(e));
    }
  }

  private route(method: string, url: URL, req: IncomingMessage, body: string, res: ServerResponse): void {
    const path = url.pathname.replace(/\/+$/, '');
    if (path === '/version')
      return this.json(res, 200, {
        major: '1',
        minor: '31',
        gitVersion: 'v1.31.0-waiver-test',
        platform: 'linux/amd64',
      });
    if (path === '/api')
      return this.json(res, 200, { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [] });
    if (path === '/apis') return this.json(res, 200, this.groupList());
    if (path.startsWith('/openapi'))
      return this.status(res, 404, 'NotFound', 'the server could not find the requested resource');
    const m =
      /^\/(?:api\/(v1)|apis\/([^/]+)\/([^/]+))(?:\/namespaces\/([^/]+))?(?:\/([^/]+))?(?:\/([^/]+))?$/.exec(
        path,
      );
    if (!m) return this.status(res, 404, 'NotFound', 'the server could not find the requested resource');
    const group = m[2] ?? '';
    const version = m[1] ?? m[3] ?? '';
    let namespace = m[4];
    let plural = m[5];
    let name = m[6];
    // /api/v1/namespaces/{name} is the namespace itself, not a scope.
    if (group === '' && namespace !== undefined && plural === undefined) {
      plural = 'namespaces';
      name = namespace;
      namespace = undefined;
    }
    if (plural === undefined) {
      const list = this.resourceList(group, version);
      return list
        ? this.json(res, 200, list)
        : this.status(res, 404, 'NotFound', 'the server could not find the requested resource');
    }
    const type = this.unserved.has(`${group}/${version}`)
      ? undefined
      : resourceTypes.find((t) => t.group === group && t.version === version && t.plural === plural);
    if (!type) return this.status(res, 404, 'NotFound', 'the server could not find the requested resource');
    const verb =
      name === undefined
        ? (
            { GET: url.searchParams.get('watch') ? 'watch' : 'list', POST: 'create' } as Record<
              string,
              string
            >
          )[method]
        : ({ GET: 'get', PUT: 'update', PATCH: 'patch', DELETE: 'delete' } as Record<string, string>)[method];
    if (!verb || !verbsOf(type).includes(verb))
      return this.status(res, 405, 'MethodNotAllowed', `${method} is not supported`);
    if (this.forbidden.has(`${verb} ${plural}`))
      return this.status(
        res,
        403,
        'Forbidden',
        `${plural}.${type.group || 'core'} is forbidden: User "system:serviceaccount:waiver:waiver" cannot ${verb} resource "${plural}" in API group "${type.group}"${namespace ? ` in the namespace "${namespace}"` : ''}`,
        { kind: type.plural, group: type.group },
      );
    const ns = type.namespaced ? namespace : undefined;
    switch (verb) {
      case 'list':
        return this.json(res, 200, this.listObjects(type, ns, url.searchParams));
      case 'watch':
        return this.watch(type, ns, url, res);
      case 'get': {
        const obj = this.objects.get(this.key(type, ns, name ?? ''));
        return obj ? this.json(res, 200, this.asVersion(obj, type)) : this.notFound(res, type, name ?? '');
      }
      case 'create':
        return this.create(type, ns, parseBody(body, req.headers['content-type']), url, res);
      case 'update':
        return this.update(type, ns, name ?? '', parseBody(body, req.headers['content-type']), res);
      case 'patch':
        return this.patch(type, ns, name ?? '', body, req.headers['content-type'] ?? '', url, res);
      case 'delete':
        return this.remove(type, ns, name ?? '', res);
    }
  }

  private create(type: ResourceType, ns: string | undefined, obj: Obj, url: URL, res: ServerResponse): void {
    if (type.plural === 'selfsubjectaccessreviews') {
      const attrs = obj['spec']?.resourceAttributes ?? {};
      const allowed = !this.forbidden.has(`${attrs.verb} ${attrs.resource}`);
      return this.json(res, 201, { ...obj, status: { allowed } });
    }
    const name = obj['metadata']?.name;
    if (!name)
      return this.status(
        res,
        422,
        'Invalid',
        `${type.kind}.${type.group} "" is invalid: metadata.name: Required value: name or generateName is required`,
      );
    if (ns && obj['metadata']?.namespace && obj['metadata'].namespace !== ns)
      return this.status(
        res,
        400,
        'BadRequest',
        'the namespace of the provided object does not match the namespace sent on the request',
      );
    if (type.namespaced && ns && !this.namespaceExists(ns))
      return this.status(res, 404, 'NotFound', `namespaces "${ns}" not found`, {
        name: ns,
        kind: 'namespaces',
      });
    if (this.objects.has(this.key(type, ns, name)))
      return this.status(res, 409, 'AlreadyExists', `${type.plural}.${type.group} "${name}" already exists`, {
        name,
        group: type.group,
        kind: type.plural,
      });
    if (url.searchParams.get('dryRun')) return this.json(res, 201, obj);
    const stored = this.store(
      type,
      { ...obj, metadata: { ...obj['metadata'], namespace: ns } },
      'ADDED',
      this.manager(url),
    );
    return this.json(res, 201, this.asVersion(stored, type));
  }

  private update(
    type: ResourceType,
    ns: string | undefined,
    name: string,
    obj: Obj,
    res: ServerResponse,
  ): void {
    const current = this.objects.get(this.key(type, ns, name));
    if (!current) return this.notFound(res, type, name);
    const given = obj['metadata']?.resourceVersion;
    if (given !== undefined && given !== current['metadata'].resourceVersion)
      return this.conflict(res, type, name);
    const stored = this.store(
      type,
      { ...obj, metadata: { ...current['metadata'], ...obj['metadata'], namespace: ns } },
      'MODIFIED',
    );
    return this.json(res, 200, this.asVersion(stored, type));
  }

  private patch(
    type: ResourceType,
    ns: string | undefined,
    name: string,
    body: string,
    contentType: string,
    url: URL,
    res: ServerResponse,
  ): void {
    const key = this.key(type, ns, name);
    const current = this.objects.get(key);
    if (contentType.startsWith('application/apply-patch+yaml')) {
      const manager = url.searchParams.get('fieldManager');
      if (!manager)
        return this.status(res, 400, 'BadRequest', 'PATCH request must specify fieldManager for apply');
      const applied = parseApplyBody(body);
      if (!current) {
        if (type.namespaced && ns && !this.namespaceExists(ns))
          return this.status(res, 404, 'NotFound', `namespaces "${ns}" not found`, {
            name: ns,
            kind: 'namespaces',
          });
        const stored = this.store(
          type,
          { ...applied, metadata: { ...applied['metadata'], namespace: ns } },
          'ADDED',
          manager,
        );
        return this.json(res, 201, this.asVersion(stored, type));
      }
      // Server-side apply, simplified: the applier's spec replaces the spec; its labels and annotations are
      // set over the others (fields of other managers stay, as with real field ownership).
      const meta = current['metadata'];
      const next = {
        ...current,
        ...applied,
        metadata: {
          ...meta,
          labels: { ...meta.labels, ...applied['metadata']?.labels },
          annotations: { ...meta.annotations, ...applied['metadata']?.annotations },
        },
      };
      if (JSON.stringify(next) === JSON.stringify(current))
        return this.json(res, 200, this.asVersion(current, type));
      return this.json(res, 200, this.asVersion(this.store(type, next, 'MODIFIED', manager), type));
    }
    if (!current) return this.notFound(res, type, name);
    if (
      contentType.startsWith('application/merge-patch+json') ||
      contentType.startsWith('application/strategic-merge-patch+json')
    ) {
      const patch = JSON.parse(body) as Obj;
      const given = patch['metadata']?.resourceVersion;
      if (given !== undefined && given !== current['metadata'].resourceVersion)
        return this.conflict(res, type, name);
      const merged = mergePatch(current, patch) as Obj;
      if (JSON.stringify(merged) === JSON.stringify(current))
        return this.json(res, 200, this.asVersion(current, type));
      return this.json(res, 200, this.asVersion(this.store(type, merged, 'MODIFIED'), type));
    }
    return this.status(
      res,
      415,
      'UnsupportedMediaType',
      `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml`,
    );
  }

  private remove(type: ResourceType, ns: string | undefined, name: string, res: ServerResponse): void {
    const key = this.key(type, ns, name);
    const current = this.objects.get(key);
    if (!current) return this.notFound(res, type, name);
    this.objects.delete(key);
    const rv = ++this.rv;
    const gone = { ...current, metadata: { ...current['metadata'], resourceVersion: String(rv) } };
    this.record({ type: 'DELETED', object: gone, rv, key: storageKey(type) });
    return this.json(res, 200, {
      kind: 'Status',
      apiVersion: 'v1',
      status: 'Success',
      details: { name, group: type.group, kind: type.plural, uid: current['metadata'].uid },
    });
  }

  private watch(type: ResourceType, ns: string | undefined, url: URL, res: ServerResponse): void {
    const from = Number(url.searchParams.get('resourceVersion') ?? this.rv);
    res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    // The real API server answers a watch's headers at once, before any event.
    res.flushHeaders();
    if (from < this.compactedTo) {
      this.send(res, {
        type: 'ERROR',
        object: {
          kind: 'Status',
          apiVersion: 'v1',
          status: 'Failure',
          message: `too old resource version: ${from} (${this.compactedTo})`,
          reason: 'Expired',
          code: 410,
        },
      });
      return void res.end();
    }
    const watcher = {
      key: storageKey(type),
      ...(ns ? { namespace: ns } : {}),
      res,
      bookmarks: url.searchParams.get('allowWatchBookmarks') === 'true',
    };
    for (const e of this.history)
      if (e.rv > from && this.wants(watcher, e))
        this.send(res, { type: e.type, object: this.asVersion(e.object, type) });
    this.watchers.add(watcher);
    const timeout = Number(url.searchParams.get('timeoutSeconds') ?? 0);
    const timer = timeout > 0 ? setTimeout(() => res.end(), timeout * 1000) : undefined;
    res.on('close', () => {
      clearTimeout(timer);
      this.watchers.delete(watcher);
    });
  }

  // ---- storage ----

  private key(type: ResourceType, ns: string | undefined, name: string): string {
    return `${storageKey(type)}/${type.namespaced ? (ns ?? '') : ''}/${name}`;
  }

  private namespaceExists(ns: string): boolean {
    return this.objects.has(`/namespaces//${ns}`);
  }

  private manager(url: URL): string | undefined {
    return url.searchParams.get('fieldManager') ?? undefined;
  }

  private store(type: ResourceType, obj: Obj, change: 'ADDED' | 'MODIFIED', manager?: string): Obj {
    const rv = ++this.rv;
    const key = this.key(type, obj['metadata']?.namespace, obj['metadata'].name);
    const previous = this.objects.get(key);
    const meta = obj['metadata'];
    const stored = {
      ...obj,
      metadata: {
        ...meta,
        ...(type.namespaced ? {} : { namespace: undefined }),
        uid: previous?.['metadata'].uid ?? randomUUID(),
        creationTimestamp:
          previous?.['metadata'].creationTimestamp ?? new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
        resourceVersion: String(rv),
        generation:
          (previous?.['metadata'].generation ?? 0) +
          (JSON.stringify(previous?.['spec']) === JSON.stringify(obj['spec']) ? 0 : 1),
        ...(manager
          ? {
              managedFields: [
                {
                  manager,
                  operation: 'Apply',
                  apiVersion: obj['apiVersion'],
                  time: new Date().toISOString(),
                },
              ],
            }
          : {}),
      },
    };
    if (!type.namespaced) delete stored.metadata.namespace;
    this.objects.set(key, stored);
    this.record({ type: previous ? 'MODIFIED' : change, object: stored, rv, key: storageKey(type) });
    return stored;
  }

  private record(event: WatchEvent): void {
    this.history.push(event);
    for (const w of this.watchers)
      if (this.wants(w, event)) this.send(w.res, { type: event.type, object: event.object });
  }

  private wants(w: { key: string; namespace?: string }, e: WatchEvent): boolean {
    return w.key === e.key && (w.namespace === undefined || e.object['metadata']?.namespace === w.namespace);
  }

  /** A list, paged as the real server pages it: `limit`, then an opaque `continue` token. */
  private listObjects(type: ResourceType, ns: string | undefined, params: URLSearchParams): Obj {
    const all = [...this.objects.entries()]
      .filter(([k]) => k.startsWith(`${storageKey(type)}/`))
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, o]) => o)
      .filter((o) => !type.namespaced || ns === undefined || o['metadata'].namespace === ns)
      .filter((o) => matchesSelector(o['metadata'].labels ?? {}, params.get('labelSelector')))
      .map((o) => this.asVersion(o, type));
    const start = Number(Buffer.from(params.get('continue') ?? '', 'base64url').toString() || '0');
    const limit = Number(params.get('limit') ?? '0');
    const end = limit > 0 ? start + limit : all.length;
    const metadata: Record<string, unknown> = { resourceVersion: String(this.rv) };
    if (end < all.length) {
      metadata['continue'] = Buffer.from(String(end)).toString('base64url');
      metadata['remainingItemCount'] = all.length - end;
    }
    return {
      kind: `${type.kind}List`,
      apiVersion: type.group ? `${type.group}/${type.version}` : type.version,
      metadata,
      items: all.slice(start, end),
    };
  }

  private asVersion(obj: Obj, type: ResourceType): Obj {
    return {
      ...obj,
      apiVersion: type.group ? `${type.group}/${type.version}` : type.version,
      kind: type.kind,
    };
  }

  // ---- discovery ----

  private groupList(): Obj {
    return {
      kind: 'APIGroupList',
      apiVersion: 'v1',
      groups: groups().map((name) => {
        const versions = groupVersions(name).map((version) => ({
          groupVersion: `${name}/${version}`,
          version,
        }));
        return { name, versions, preferredVersion: versions[0] };
      }),
    };
  }

  private resourceList(group: string, version: string): Obj | undefined {
    const types = resourceTypes.filter((t) => t.group === group && t.version === version);
    if (types.length === 0) return undefined;
    return {
      kind: 'APIResourceList',
      apiVersion: 'v1',
      groupVersion: group ? `${group}/${version}` : version,
      resources: types.map((t) => ({
        name: t.plural,
        singularName: t.singular,
        namespaced: t.namespaced,
        kind: t.kind,
        verbs: verbsOf(t),
        ...(t.shortNames ? { shortNames: t.shortNames } : {}),
      })),
    };
  }

  // ---- answers ----

  private json(res: ServerResponse, status: number, body: unknown): void {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  }

  private send(res: ServerResponse, event: unknown): void {
    res.write(`${JSON.stringify(event)}\n`);
  }

  private status(res: ServerResponse, code: number, reason: string, message: string, details?: Obj): void {
    this.json(res, code, {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message,
      reason,
      ...(details ? { details } : {}),
      code,
    });
  }

  private notFound(res: ServerResponse, type: ResourceType, name: string): void {
    const resource = type.group ? `${type.plural}.${type.group}` : type.plural;
    this.status(res, 404, 'NotFound', `${resource} "${name}" not found`, {
      name,
      group: type.group,
      kind: type.plural,
    });
  }

  private conflict(res: ServerResponse, type: ResourceType, name: string): void {
    this.status(
      res,
      409,
      'Conflict',
      `Operation cannot be fulfilled on ${type.plural}.${type.group} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
      { name, group: type.group, kind: type.plural },
    );
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let data = '';
    req
      .setEncoding('utf8')
      .on('data', (c: string) => (data += c))
      .on('end', () => resolve(data));
  });
}

function parseBody(body: string, contentType: string | undefined): Obj {
  return (contentType?.includes('yaml') ? parseYaml(body) : JSON.parse(body)) as Obj;
}

/** RFC 7386 JSON merge patch. */
function mergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const result: Obj =
    target !== null && typeof target === 'object' && !Array.isArray(target) ? { ...(target as Obj) } : {};
  for (const [k, v] of Object.entries(patch as Obj)) {
    if (v === null) delete result[k];
    else result[k] = mergePatch(result[k], v);
  }
  return result;
}

/** Equality-based selectors (`a=b,c!=d,e`), the subset Waiver uses. */
function matchesSelector(labels: Record<string, string>, selector: string | null): boolean {
  if (!selector) return true;
  return selector.split(',').every((term) => {
    const [k, op, v] = /^([^!=]+)(!=|==|=)?(.*)$/.exec(term.trim())?.slice(1) ?? [];
    if (!k) return true;
    if (op === undefined || op === '') return k.startsWith('!') ? !(k.slice(1) in labels) : k in labels;
    return op === '!=' ? labels[k] !== v : labels[k] === v;
  });
}

/**
 * An apply body is YAML, and JSON is YAML: a JSON body (what client libraries send) is read as JSON,
 * which is what a real API server's decoder costs too, rather than through a full YAML parser.
 */
function parseApplyBody(body: string): Obj {
  try {
    return JSON.parse(body) as Obj;
  } catch {
    return parseYaml(body) as Obj;
  }
}

/** A resource type by plural (the first served) or by plural.group. */
const typeNamed = (plural: string): ResourceType | undefined =>
  resourceTypes.find((t) => t.plural === plural || `${t.plural}.${t.group}` === plural);
