import { resolve } from 'node:path';
import { WaiverError } from '../domain/errors.js';
import { readSecret, type SecretSources } from './notifications.js';
import type { ConfigFile, GitFile, TargetFile } from './schema.js';
import type { GitRepository } from '../domain/git-repository.js';

/** A cluster: a kubeconfig (else KUBECONFIG, ~/.kube/config or in-cluster) and one of its contexts. */
export interface ClusterTargetConfig {
  kind: 'cluster';
  kubeconfig: string | undefined;
  context: string | undefined;
  /** As a kubectl plugin, kubectl's cluster is the point: one missing is said before anything runs. */
  required?: true;
  timeoutSeconds?: number;
  attempts?: number;
}

export interface DirectoryTargetConfig {
  kind: 'directory';
  dir: string;
  /** Only the embedded default folder is created on demand; a configured folder must exist. */
  createRoot: boolean;
}

/** A GitOps repository, with its secrets read. */
export type GitTargetConfig = { kind: 'git' } & GitRepository;

export type TargetConfig = ClusterTargetConfig | DirectoryTargetConfig | GitTargetConfig;

/** Where the flags and the environment point, for the one-target shorthand. */
export interface TargetShorthand {
  targetDir: string | undefined;
  kubeconfig: string | undefined;
  context: string | undefined;
  kubectlPlugin: boolean;
}

export interface TargetsConfig {
  targets: Readonly<Record<string, TargetConfig>>;
  defaultTarget: string;
}

/** The folder the embedded defaults write to, and the one-target shorthand's name for a folder. */
export const DEFAULT_TARGET_DIR = './policy-exceptions';
export const FOLDER_TARGET = 'folder';

/**
 * The configured targets. With `targets:` in the file, those (flags that name a target are refused:
 * records already name theirs); without, the shorthand's one target: a cluster named by its context, or
 * the folder, named `folder`.
 */
export async function targetsConfig(
  file: ConfigFile,
  shorthand: TargetShorthand,
  sources: SecretSources,
  currentContext: CurrentContext = noCurrentContext,
): Promise<TargetsConfig> {
  if (file.targets && Object.keys(file.targets).length > 0) return namedTargets(file, shorthand, sources);
  const cluster = clusterShorthand(file, shorthand, sources);
  if (cluster)
    return {
      targets: { [await clusterName(cluster, currentContext)]: cluster },
      defaultTarget: await clusterName(cluster, currentContext),
    };
  const dir = shorthand.targetDir ?? sources.fromFile(file.targetDir);
  return {
    targets: {
      [FOLDER_TARGET]: {
        kind: 'directory',
        dir: resolve(dir ?? DEFAULT_TARGET_DIR),
        createRoot: dir === undefined,
      },
    },
    defaultTarget: FOLDER_TARGET,
  };
}

function namedTargets(file: ConfigFile, shorthand: TargetShorthand, sources: SecretSources): TargetsConfig {
  const named = file.targets ?? {};
  const flag =
    shorthand.kubeconfig !== undefined
      ? 'kubeconfig'
      : shorthand.context !== undefined
        ? 'context'
        : shorthand.targetDir !== undefined
          ? 'target-dir'
          : undefined;
  if (flag)
    throw new WaiverError(
      'usage',
      `--${flag} is the shorthand for a one-target setup, and this configuration names its targets (${Object.keys(named).join(', ')}): requests take --target NAME, and every other command acts on each exception's own target`,
      flag === 'target-dir' ? 'targetDir' : flag,
    );
  if (file.kubernetes || file.targetDir)
    throw new WaiverError(
      'usage',
      `${file.kubernetes ? 'kubernetes' : 'targetDir'}: and targets: both name where exceptions go; move it under targets:`,
      file.kubernetes ? 'kubernetes' : 'targetDir',
    );
  const targets: Record<string, TargetConfig> = {};
  for (const [name, t] of Object.entries(named)) targets[name] = targetConfig(name, t, sources);
  const defaultTarget = file.defaultTarget ?? Object.keys(named)[0] ?? '';
  if (!(defaultTarget in targets))
    throw new WaiverError(
      'usage',
      `defaultTarget "${defaultTarget}" is not one of targets (${Object.keys(targets).join(', ')})`,
      'defaultTarget',
    );
  return { targets, defaultTarget };
}

/** The schema allows exactly one of the three. */
function targetConfig(name: string, t: TargetFile, sources: SecretSources): TargetConfig {
  if (t.cluster) return clusterConfig(t.cluster, sources);
  if (t.directory)
    return {
      kind: 'directory',
      dir: sources.fromFile(t.directory.path) ?? t.directory.path,
      createRoot: false,
    };
  return gitConfig(name, t.git as GitFile, sources);
}

function gitConfig(name: string, git: GitFile, sources: SecretSources): GitTargetConfig {
  const key = `targets.${name}.git`;
  const pr = git.pullRequests;
  return {
    kind: 'git',
    // A local repository path is relative to the file, as every path in it; a URL is taken as it is.
    repository: /^[\w+.-]+:\/\/|^[\w.-]+@[\w.-]+:/.test(git.repository)
      ? git.repository
      : (sources.fromFile(git.repository) ?? git.repository),
    branch: git.branch ?? 'main',
    path: (git.path ?? 'policy-exceptions').replace(/\/+$/, ''),
    workdir: sources.fromFile(git.workdir) ?? resolve(`.waiver/git/${name}`),
    sshKeyFile: sources.fromFile(git.sshKeyFile),
    token: git.token && readSecret(`${key}.token`, git.token, sources),
    author: git.author ?? { name: 'Waiver', email: 'waiver@localhost' },
    timeoutMs: (git.timeoutSeconds ?? 60) * 1000,
    pullRequests: pr && {
      forge: pr.forge,
      api: pr.api.replace(/\/+$/, ''),
      project: pr.project,
      token: readSecret(`${key}.pullRequests.token`, pr.token, sources),
      timeoutMs: (pr.timeoutSeconds ?? 30) * 1000,
    },
  };
}

/**
 * The cluster is the target when the file says `kubernetes:`, a flag names a kubeconfig or context, or
 * Waiver runs as a kubectl plugin; a KUBECONFIG in the environment alone never moves exceptions from the
 * folder into a cluster.
 */
function clusterShorthand(
  file: ConfigFile,
  flags: TargetShorthand,
  sources: SecretSources,
): ClusterTargetConfig | undefined {
  const plugin = flags.kubectlPlugin && flags.targetDir === undefined;
  const named = flags.kubeconfig !== undefined || flags.context !== undefined || plugin;
  if (!file.kubernetes && !named) return undefined;
  const cluster = clusterConfig(file.kubernetes ?? {}, sources);
  return {
    ...cluster,
    kubeconfig: flags.kubeconfig ?? cluster.kubeconfig,
    context: flags.context ?? cluster.context,
    ...(plugin ? { required: true as const } : {}),
  };
}

function clusterConfig(
  k: NonNullable<ConfigFile['kubernetes']>,
  sources: SecretSources,
): ClusterTargetConfig {
  return {
    kind: 'cluster',
    kubeconfig: sources.fromFile(k.kubeconfig),
    context: k.context,
    ...(k.timeoutSeconds ? { timeoutSeconds: k.timeoutSeconds } : {}),
    ...(k.attempts ? { attempts: k.attempts } : {}),
  };
}

/**
 * The shorthand's cluster is named by its context, as kubectl names clusters: the one given, or the
 * kubeconfig's current one (read now, so a missing or unreadable kubeconfig is refused before anything
 * runs). Another context later is another target, never the same one by accident.
 */
async function clusterName(cluster: ClusterTargetConfig, currentContext: CurrentContext): Promise<string> {
  return cluster.context ?? (await currentContext(cluster));
}

/**
 * Reads a kubeconfig's current context (`in-cluster` with a service account); a missing or unreadable
 * kubeconfig is a usage error. The composition root gives it: configuration reads no adapter.
 */
export type CurrentContext = (connection: { kubeconfig: string | undefined }) => Promise<string>;

/** Without a way to read a kubeconfig, a cluster named by no context is refused. */
export const noCurrentContext: CurrentContext = () =>
  Promise.reject(
    new WaiverError(
      'usage',
      'name the cluster with --context (or kubernetes.context in the config)',
      'context',
    ),
  );
