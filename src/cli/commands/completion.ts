import type { Command, Option } from 'commander';
import { WaiverError } from '../../domain/errors.js';
import type { CliContext } from '../context.js';

export const shells = ['bash', 'zsh', 'fish'] as const;
type Shell = (typeof shells)[number];

interface Completion {
  /** `token create` for a subcommand of a group. */
  path: string[];
  options: string[];
  /** Its options that take a value: the value is asked of `waiver __complete` (states, policies…). */
  valued: string[];
  /** It takes exception ids: they are asked of `waiver __complete`, which reads the store. */
  takesIds: boolean;
}

/** Every command (and subcommand) with its long and short options, read from the program itself. */
function completions(program: Command): Completion[] {
  const walk = (command: Command, path: string[]): Completion[] =>
    command.commands.flatMap((sub) => {
      const here = [...path, sub.name()];
      const options = sub.options.flatMap(flags);
      const valued = sub.options.filter((o) => o.required || o.optional).flatMap(flags);
      const takesIds = takesExceptions(sub);
      return [{ path: here, options: [...options, '--help'], valued, takesIds }, ...walk(sub, here)];
    });
  return walk(program, []).filter((c) => !c.path.some((p) => p.startsWith('__')));
}

/** Its first argument names exceptions (EX-42, 42 or the name), not tokens or notifications. */
export const takesExceptions = (command: Command): boolean =>
  /EX-42|exception/.test(command.registeredArguments[0]?.description ?? '');

const flags = (o: Option): string[] => [o.long, o.short].filter((f): f is string => !!f);

const globalOptions = (program: Command): string[] => program.options.flatMap(flags);
const globalValued = (program: Command): string[] =>
  program.options.filter((o) => o.required || o.optional).flatMap(flags);

/** `waiver completion bash|zsh|fish`: a completion script for the shell, to `source` or install. */
export function run(ctx: CliContext, program: Command, shell: string): void {
  if (!(shells as readonly string[]).includes(shell))
    throw new WaiverError('usage', `completion is for ${shells.join(', ')}, not "${shell}"`, 'shell');
  const all = completions(program);
  const globals = globalOptions(program);
  ctx.out(scripts[shell as Shell](all, globals, globalValued(program)));
}

const words = (list: readonly string[]): string => list.join(' ');

/**
 * The program that prints the script, as the script will run it: node and this bin file by their paths,
 * so completion works through an alias (which `$COMP_WORDS[0]` never expands), a PATH install and a
 * kubectl plugin alike. The bin file keeps the name it was run by, as that name makes it a kubectl plugin.
 */
const self = (): string[] => (process.argv[1] ? [process.execPath, process.argv[1]] : ['waiver']);
const shQuote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;
const fishQuote = (s: string): string => `'${s.replace(/[\\']/g, '\\$&')}'`;

const bash = (all: Completion[], globals: string[], globalsValued: string[]): string => {
  const valued = [...new Set([...all.flatMap((c) => c.valued), ...globalsValued])];
  const idCommands = all.filter((c) => c.takesIds).map((c) => c.path.join(' '));
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
  # A flag's value is no command word: skip it (bash splits \`--as=alice\` into --as, =, alice).
  for ((i = 1; i < COMP_CWORD; i++)); do
    case "\${COMP_WORDS[i]}" in
      -*) if [[ " ${words(valued)} " == *" \${COMP_WORDS[i]} "* ]]; then
            if [[ "\${COMP_WORDS[i+1]}" == "=" ]]; then ((i += 2)); else ((i += 1)); fi
          fi ;;
      *) path="\${path:+$path }\${COMP_WORDS[i]}" ;;
    esac
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
  # A flag's value, or an exception id: asked of waiver itself, which knows the states and the store.
  local prev="\${COMP_WORDS[COMP_CWORD-1]}"
  if [[ " ${words(valued)} " == *" $prev "* ]] || { [[ "$cur" != -* ]] && case "$path" in ${idCommands.map((c) => `"${c}"`).join('|')}) true ;; *) false ;; esac; }; then
    words="$(${self().map(shQuote).join(' ')} __complete "\${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null | sed '/^:/d')"
  fi
  COMPREPLY=($(compgen -W "$words" -- "$cur"))
}
complete -F _waiver waiver kubectl-waiver
`;
};

// zsh reads bash completions through bashcompinit, the same table for both shells.
const zsh = (all: Completion[], globals: string[], globalsValued: string[]): string =>
  `#compdef waiver kubectl-waiver
# waiver completion for zsh: source <(waiver completion zsh)
autoload -U +X bashcompinit && bashcompinit
${bash(all, globals, globalsValued).split('\n').slice(1).join('\n')}`;

const fish = (all: Completion[], globals: string[], globalsValued: string[]): string => {
  const top = all.filter((c) => c.path.length === 1);
  // A flag's value and an exception id come from waiver itself (states, categories, policies, ids).
  const asked = (valued: readonly string[], o: string) =>
    valued.includes(o) ? " -x -a '(__waiver_complete)'" : '';
  const lines = [
    '# waiver completion for fish: waiver completion fish > ~/.config/fish/completions/waiver.fish',
    'function __waiver_complete',
    '  set -l words (commandline -opc)',
    `  ${self().map(fishQuote).join(' ')} __complete $words[2..-1] (commandline -ct) 2>/dev/null | string match -v ':*'`,
    'end',
    `complete -c waiver -f -n __fish_use_subcommand -a "${words(top.map((c) => c.path[0] ?? ''))}"`,
    ...globals
      .filter((o) => o.startsWith('--'))
      .map((o) => `complete -c waiver -l ${o.slice(2)}${asked(globalsValued, o)}`),
    ...all.flatMap((c) => {
      const seen = `__fish_seen_subcommand_from ${c.path.at(-1) ?? ''}`;
      return [
        ...(c.takesIds ? [`complete -c waiver -n "${seen}" -f -a '(__waiver_complete)'`] : []),
        ...c.options.map((o) =>
          o.startsWith('--')
            ? `complete -c waiver -n "${seen}" -l ${o.slice(2)}${asked(c.valued, o)}`
            : `complete -c waiver -n "${seen}" -s ${o.slice(1)}${asked(c.valued, o)}`,
        ),
      ];
    }),
  ];
  return `${lines.join('\n')}\n`;
};

type Script = (all: Completion[], globals: string[], globalsValued: string[]) => string;
const scripts: Record<Shell, Script> = { bash, zsh, fish };
