import type { ForgeConfig } from '../../domain/git-repository.js';
import { excerpt, redactor, secretFragments } from '../../domain/redact.js';
import type { ProposalStatus } from '../../domain/proposal.js';

export interface Proposal extends ProposalStatus {
  url: string;
}

export interface NewProposal {
  branch: string;
  base: string;
  title: string;
  body: string;
}

/** Opens pull requests and reads where they stand. */
export interface Forge {
  open(proposal: NewProposal): Promise<Proposal>;
  /** The newest request from this branch, if any. */
  findByBranch(branch: string): Promise<Proposal | undefined>;
  state(url: string): Promise<ProposalStatus>;
}

type Json = Record<string, unknown>;

export function openForge(config: ForgeConfig): Forge {
  return config.forge === 'github' ? github(config) : gitlab(config);
}

/** One call; a non-2xx answer (a 403, a 429 with its Retry-After, a 5xx) or a timeout is an error of one line. */
async function call(config: ForgeConfig, method: string, path: string, body?: Json): Promise<unknown> {
  const headers: Record<string, string> =
    config.forge === 'github'
      ? {
          authorization: `Bearer ${config.token}`,
          accept: 'application/vnd.github+json',
          'x-github-api-version': '2022-11-28',
        }
      : { 'private-token': config.token };
  if (body) headers['content-type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch(`${config.api}${path}`, {
      method,
      headers: { ...headers, 'user-agent': 'waiver' },
      ...(body ? { body: JSON.stringify(body) } : {}),
      signal: AbortSignal.timeout(config.timeoutMs),
      redirect: 'error',
    });
  } catch (e) {
    const timedOut = e instanceof Error && (e.name === 'TimeoutError' || e.name === 'AbortError');
    throw new Error(
      timedOut
        ? `${config.forge} API did not answer within ${Math.round(config.timeoutMs / 1000)} s`
        : `${config.forge} API unreachable: ${redactor(secretFragments(config.token))(e instanceof Error ? (e.cause instanceof Error ? e.cause.message : e.message) : String(e))}`,
    );
  }
  const text = await response.text();
  if (!response.ok) {
    const retry = response.headers.get('retry-after');
    // A forge (or a proxy before it) may echo the request's token: masked before the message is made.
    const said = excerpt(messageIn(text), redactor(secretFragments(config.token)), 200);
    throw new Error(
      `${config.forge} API answered ${response.status}${said ? `: ${said}` : ''}${retry ? ` (retry after ${retry} s)` : ''}`,
    );
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new Error(`${config.forge} API answered ${response.status} with a body that is not JSON`);
  }
}

/** The forge's own words (cut short after masking): GitHub's and GitLab's error bodies carry a `message`. */
function messageIn(text: string): string {
  try {
    const body = JSON.parse(text) as { message?: unknown; error?: unknown };
    const message = body.message ?? body.error;
    return (typeof message === 'string' ? message : JSON.stringify(message ?? '')).slice(0, 8192);
  } catch {
    return text.slice(0, 8192);
  }
}

const numberOf = (url: string): string => {
  const n = /(\d+)\/?$/.exec(url)?.[1];
  if (!n) throw new Error(`"${url}" names no pull request`);
  return n;
};

const str = (v: unknown): string => (typeof v === 'string' ? v : '');

function github(config: ForgeConfig): Forge {
  const repo = `/repos/${config.project.split('/').map(encodeURIComponent).join('/')}`;
  const owner = config.project.split('/')[0] ?? '';
  const proposal = (pr: Json): Proposal => ({
    url: str(pr['html_url']),
    state: pr['merged_at'] ? 'merged' : pr['state'] === 'open' ? 'open' : 'closed',
    mergeCommit: str(pr['merge_commit_sha']) || undefined,
  });
  return {
    open: async ({ branch, base, title, body }) =>
      proposal((await call(config, 'POST', `${repo}/pulls`, { title, body, head: branch, base })) as Json),
    findByBranch: async (branch) => {
      const head = encodeURIComponent(`${owner}:${branch}`);
      const found = (await call(config, 'GET', `${repo}/pulls?head=${head}&state=all&per_page=1`)) as Json[];
      return Array.isArray(found) && found[0] ? proposal(found[0]) : undefined;
    },
    state: async (url) => proposal((await call(config, 'GET', `${repo}/pulls/${numberOf(url)}`)) as Json),
  };
}

function gitlab(config: ForgeConfig): Forge {
  const project = `/projects/${encodeURIComponent(config.project)}`;
  const proposal = (mr: Json): Proposal => ({
    url: str(mr['web_url']),
    state: mr['state'] === 'merged' ? 'merged' : mr['state'] === 'opened' ? 'open' : 'closed',
    mergeCommit: str(mr['merge_commit_sha']) || str(mr['squash_commit_sha']) || undefined,
  });
  return {
    open: async ({ branch, base, title, body }) =>
      proposal(
        (await call(config, 'POST', `${project}/merge_requests`, {
          source_branch: branch,
          target_branch: base,
          title,
          description: body,
          remove_source_branch: true,
        })) as Json,
      ),
    findByBranch: async (branch) => {
      const found = (await call(
        config,
        'GET',
        `${project}/merge_requests?source_branch=${encodeURIComponent(branch)}&state=all&per_page=1`,
      )) as Json[];
      return Array.isArray(found) && found[0] ? proposal(found[0]) : undefined;
    },
    state: async (url) =>
      proposal((await call(config, 'GET', `${project}/merge_requests/${numberOf(url)}`)) as Json),
  };
}
