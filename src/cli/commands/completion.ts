import type { Command } from 'commander';
import { WaiverError } from '../../domain/errors.js';
import type { CliContext } from '../context.js';

export const shells = ['bash', 'zsh', 'fish'] as const;
type Shell = (typeof shells)[number];

interface Completion {
  /** `token create` for a subcommand of a group. */
  path: string[];
  options: string[];
}

/** Every command (and subcommand) with its long and short options, read from the program itself. */
function completions(program: Command): Completion[] {
  const walk = (command: Command, path: string[]): Completion[] =>
    command.commands.flatMap((sub) => {
      const here = [...path, sub.name()];
      const options = sub.options.flatMap((o) => [o.long, o.short].filter((f): f is string => !!f));
      return [{ path: here, options: [...options, '--help'] }, ...walk(sub, here)];
    });
  return walk(program, []);
}

const globalOptions = (program: Command): string[] =>
  program.options.flatMap((o) => [o.long, o.short].filter((f): f is string => !!f));

/** `waiver completion bash|zsh|fish`: a completion script for the shell, to `source` or install. */
export function run(ctx: CliContext, program: Command, shell: string): void {
  if (!(shells as readonly string[]).includes(shell))
    throw new WaiverError('usage', `completion is for ${shells.join(', ')}, not "${shell}"`, 'shell');
  const all = completions(program);
  const globals = globalOptions(program);
  ctx.out(scripts[shell as Shell](all, globals));
}

const words = (list: readonly string[]): string => list.join(' ');

const bash = (all: Completion[], globals: string[]): string => {
  const cases = all
    .map((c) => `    "${c.path.join(' ')}") words="${words([...c.options, ...globals])}" ;;`)
    .join('\n');
  const top = all.filter((c) => c.path.length === 1).map((c) => c.path[0] ?? '');
  const groups = all.filter((c) => c.path.length === 2);
  const subcases = [...new Set(groups.map((c) => c.path[0] ?? ''))]
    .map(
      (g) =>
        `    ${g}) subs="${words(groups.filter((c) => c.path[0] === g).map((c) => c.path[1] ?? ''))}" ;;`,
    )
    .join('\n');
  return `# waiver completion for bash: source <(waiver completion bash)
_waiver() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" path="" subs="" words="" i
  for ((i = 1; i < COMP_CWORD; i++)); do
    case "\${COMP_WORDS[i]}" in -*) ;; *) path="\${path:+$path }\${COMP_WORDS[i]}" ;; esac
  done
  if [[ -z "$path" ]]; then
    words="${words([...top, ...globals])}"
  else
    case "\${path%% *}" in
${subcases}
    esac
    case "$path" in
${cases}
    esac
    if [[ -n "$subs" && "$path" != *" "* ]]; then words="$subs"; fi
  fi
  COMPREPLY=($(compgen -W "$words" -- "$cur"))
}
complete -F _waiver waiver kubectl-waiver
`;
};

// zsh reads bash completions through bashcompinit, the same table for both shells.
const zsh = (all: Completion[], globals: string[]): string =>
  `#compdef waiver kubectl-waiver
# waiver completion for zsh: source <(waiver completion zsh)
autoload -U +X bashcompinit && bashcompinit
${bash(all, globals).split('\n').slice(1).join('\n')}`;

const fish = (all: Completion[], globals: string[]): string => {
  const top = all.filter((c) => c.path.length === 1);
  const lines = [
    '# waiver completion for fish: waiver completion fish > ~/.config/fish/completions/waiver.fish',
    `complete -c waiver -f -n __fish_use_subcommand -a "${words(top.map((c) => c.path[0] ?? ''))}"`,
    ...globals.filter((o) => o.startsWith('--')).map((o) => `complete -c waiver -l ${o.slice(2)}`),
    ...all.flatMap((c) => {
      const seen = `__fish_seen_subcommand_from ${c.path.at(-1) ?? ''}`;
      return c.options.map((o) =>
        o.startsWith('--')
          ? `complete -c waiver -n "${seen}" -l ${o.slice(2)}`
          : `complete -c waiver -n "${seen}" -s ${o.slice(1)}`,
      );
    }),
  ];
  return `${lines.join('\n')}\n`;
};

const scripts: Record<Shell, (all: Completion[], globals: string[]) => string> = { bash, zsh, fish };
