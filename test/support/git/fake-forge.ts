import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One pull request as the fake forge holds it. */
export interface FakePullRequest {
  number: number;
  head: string;
  base: string;
  title: string;
  body: string;
  state: 'open' | 'closed';
  merged: boolean;
  mergeCommit?: string;
}

/**
 * GitHub's pull-request REST API, or GitLab's merge-request one, on loopback, as far as Waiver uses them:
 * open, find by branch, read one. A test merges or closes requests, or makes the API answer with an error.
 */
export class FakeForge {
  readonly pulls: FakePullRequest[] = [];
  /** The next answers' status (403, 429, 500): each call takes one. */
  readonly failures: { status: number; message: string; retryAfter?: string }[] = [];
  /** Every request: method, path, and whether it carried the token. */
  readonly calls: { method: string; path: string; authorized: boolean }[] = [];
  /** A request is held open, never answered (a forge that hangs). */
  hang = false;
  private server: Server | undefined;

  constructor(
    private readonly token: string,
    readonly kind: 'github' | 'gitlab' = 'github',
  ) {}

  get url(): string {
    return `http://127.0.0.1:${(this.server?.address() as AddressInfo).port}`;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      void this.answer(req).then(({ status, body, headers }) => {
        if (status === 0) return; // hanging
        res.writeHead(status, { 'content-type': 'application/json', ...headers });
        res.end(JSON.stringify(body));
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }

  /** The pull request a person merged (and whose branch the forge merged into its base, as `commit`). */
  merge(number: number, commit?: string): void {
    const pr = this.pulls.find((p) => p.number === number);
    if (pr) Object.assign(pr, { state: 'closed', merged: true, ...(commit ? { mergeCommit: commit } : {}) });
  }

  close(number: number): void {
    const pr = this.pulls.find((p) => p.number === number);
    if (pr) pr.state = 'closed';
  }

  private authorized = (req: IncomingMessage): boolean =>
    this.kind === 'github'
      ? req.headers.authorization === `Bearer ${this.token}`
      : req.headers['private-token'] === this.token;

  /** A merge request as GitLab shows it. */
  private gitlabView = (pr: FakePullRequest) => ({
    iid: pr.number,
    web_url: `https://gitlab.example.com/platform/gitops/-/merge_requests/${pr.number}`,
    state: pr.merged ? 'merged' : pr.state === 'open' ? 'opened' : 'closed',
    source_branch: pr.head,
    merge_commit_sha: pr.mergeCommit ?? null,
  });

  private html = (pr: FakePullRequest) => ({
    number: pr.number,
    html_url: `https://git.example.com/platform/gitops/pull/${pr.number}`,
    state: pr.state,
    merged_at: pr.merged ? '2026-12-01T10:00:00Z' : null,
    merge_commit_sha: pr.mergeCommit ?? null,
    head: { ref: pr.head },
  });

  private async answer(
    req: IncomingMessage,
  ): Promise<{ status: number; body: unknown; headers?: Record<string, string> }> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const url = new URL(req.url ?? '/', 'http://forge');
    this.calls.push({
      method: req.method ?? '',
      path: url.pathname,
      authorized: this.authorized(req),
    });
    if (this.hang) return { status: 0, body: null };
    if (!this.authorized(req)) return { status: 401, body: { message: 'Bad credentials' } };
    const failure = this.failures.shift();
    if (failure)
      return {
        status: failure.status,
        body: { message: failure.message },
        ...(failure.retryAfter ? { headers: { 'retry-after': failure.retryAfter } } : {}),
      };
    if (this.kind === 'gitlab') return this.gitlab(req, url, chunks);
    const list = /^\/repos\/platform\/gitops\/pulls$/.exec(url.pathname);
    const one = /^\/repos\/platform\/gitops\/pulls\/(\d+)$/.exec(url.pathname);
    if (list && req.method === 'POST') {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
        head: string;
        base: string;
        title: string;
        body: string;
      };
      const pr: FakePullRequest = { number: this.pulls.length + 1, ...body, state: 'open', merged: false };
      this.pulls.push(pr);
      return { status: 201, body: this.html(pr) };
    }
    if (list && req.method === 'GET') {
      const head = url.searchParams.get('head')?.replace(/^platform:/, '');
      return {
        status: 200,
        body: this.pulls
          .filter((p) => p.head === head)
          .reverse()
          .map(this.html),
      };
    }
    const pr = one && this.pulls.find((p) => p.number === Number(one[1]));
    if (pr) return { status: 200, body: this.html(pr) };
    return { status: 404, body: { message: 'Not Found' } };
  }

  private gitlab(req: IncomingMessage, url: URL, chunks: Buffer[]): { status: number; body: unknown } {
    const base = '/projects/platform%2Fgitops/merge_requests';
    if (url.pathname === base && req.method === 'POST') {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
        source_branch: string;
        target_branch: string;
        title: string;
        description: string;
      };
      const pr: FakePullRequest = {
        number: this.pulls.length + 1,
        head: body.source_branch,
        base: body.target_branch,
        title: body.title,
        body: body.description,
        state: 'open',
        merged: false,
      };
      this.pulls.push(pr);
      return { status: 201, body: this.gitlabView(pr) };
    }
    if (url.pathname === base && req.method === 'GET') {
      const branch = url.searchParams.get('source_branch');
      return {
        status: 200,
        body: this.pulls
          .filter((p) => p.head === branch)
          .reverse()
          .map(this.gitlabView),
      };
    }
    const one = url.pathname.startsWith(`${base}/`) ? /(\d+)$/.exec(url.pathname) : null;
    const pr = one && this.pulls.find((p) => p.number === Number(one[1]));
    if (pr) return { status: 200, body: this.gitlabView(pr) };
    return { status: 404, body: { message: '404 Not found' } };
  }
}
