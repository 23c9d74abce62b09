import { execFile } from 'node:child_process';
import { redactor, secretFragments } from '../../domain/redact.js';

/** How Waiver reaches a repository: its credentials go into git's environment, never its arguments. */
export interface GitAccess {
  /** An SSH private key for ssh:// and git@ URLs. */
  sshKeyFile?: string | undefined;
  /** An HTTPS token, sent as HTTP basic authentication (GitHub's and GitLab's token form). */
  token?: string | undefined;
  timeoutMs: number;
}

/** A git command that failed: what git said, with every secret taken out. */
export class GitError extends Error {
  constructor(
    message: string,
    readonly stderr: string,
  ) {
    super(message);
  }
}

/**
 * The environment git runs with: no prompts (a missing credential fails at once instead of hanging), the
 * token as an extra header through GIT_CONFIG_* (not on the command line, where `ps` shows it), the key
 * through GIT_SSH_COMMAND.
 */
function gitEnv(access: GitAccess): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    GIT_TERMINAL_PROMPT: '0',
    GIT_ASKPASS: 'true',
    LC_ALL: 'C',
  };
  if (access.sshKeyFile)
    env['GIT_SSH_COMMAND'] =
      `ssh -i '${access.sshKeyFile.replace(/'/g, `'\\''`)}' -o IdentitiesOnly=yes -o BatchMode=yes -o StrictHostKeyChecking=accept-new`;
  if (access.token) {
    const basic = Buffer.from(`x-access-token:${access.token}`).toString('base64');
    env['GIT_CONFIG_COUNT'] = '1';
    env['GIT_CONFIG_KEY_0'] = 'http.extraHeader';
    env['GIT_CONFIG_VALUE_0'] = `Authorization: Basic ${basic}`;
  }
  return env;
}

/** Takes secrets out of what git printed: the token (and its encoded form) and credentials in URLs. */
export function scrub(text: string, access: GitAccess): string {
  const secrets = access.token
    ? [access.token, Buffer.from(`x-access-token:${access.token}`).toString('base64')].flatMap((s) =>
        secretFragments(s),
      )
    : [];
  return redactor(secrets)(text);
}

/** Runs git in `cwd`; resolves with its stdout, or rejects with a GitError that names the command. */
export function git(cwd: string, args: readonly string[], access: GitAccess): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      'git',
      [...args],
      { cwd, env: gitEnv(access), timeout: access.timeoutMs, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (!error) return resolve(stdout);
        const said = scrub(String(stderr).trim(), access);
        if ((error as NodeJS.ErrnoException).code === 'ENOENT')
          return reject(new GitError('git is not installed here: the Git target runs the git command', ''));
        const killed = (error as { killed?: boolean }).killed === true;
        // Named by its command, past git's own `-c key=value` options.
        const what = `git ${args.find((a, i) => !a.startsWith('-') && args[i - 1] !== '-c') ?? ''}`;
        const message = killed
          ? `${what} timed out after ${Math.round(access.timeoutMs / 1000)} s`
          : `${what} failed: ${lastLines(said) || scrub(error.message, access)}`;
        reject(new GitError(message, said));
      },
    );
  });
}

/** git's last meaningful lines: where it says what went wrong ("! [remote rejected] … (protected branch)"). */
function lastLines(text: string): string {
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('hint:') && !/^To /.test(l));
  // A refused push: the server's own words (a hook's, a protection rule's) and the ref it refused.
  const said = [
    ...lines.filter((l) => /^remote: \S/.test(l)).slice(-1),
    ...lines.filter((l) => l.startsWith('! ')).slice(-1),
  ];
  return (said.length ? said : lines.slice(-2)).join('; ');
}
