/** A GitOps repository as configured (decision 0015): the Git target's settings, its secrets read. */

/** A forge's REST API for pull (merge) requests: GitHub's or GitLab's. */
export interface ForgeConfig {
  forge: 'github' | 'gitlab';
  /** https://api.github.com, or https://gitlab.example.com/api/v4. */
  api: string;
  /** owner/repo on GitHub; the project's path or id on GitLab. */
  project: string;
  token: string;
  timeoutMs: number;
}

/** A repository as configured, its secrets read. */
export interface GitRepository {
  /** What `git clone` takes: https://…, ssh://…, git@host:path, or a local path. */
  repository: string;
  branch: string;
  /** The folder in the repository that holds the PolicyExceptions. */
  path: string;
  /** Waiver's own clone. */
  workdir: string;
  sshKeyFile: string | undefined;
  token: string | undefined;
  author: { name: string; email: string };
  timeoutMs: number;
  /** Pull-request mode, through this forge's API. */
  pullRequests: ForgeConfig | undefined;
}

/** How a repository target is named to people: its URL without credentials, branch, folder and mode. */
export const repositoryDescription = (r: GitRepository): string =>
  `git ${r.repository.replace(/(\w+:\/\/)[^/@\s]+@/, '$1')} (${r.branch}:${r.path}${r.pullRequests ? ', pull requests' : ''})`;
