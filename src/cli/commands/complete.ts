import { existsSync } from 'node:fs';
import type { Command, Option } from 'commander';
import {
  allowedKinds,
  apiVersions,
  categories,
  states,
  storedStates,
  type State,
} from '../../domain/exception.js';
import { actions, transitions, type Action } from '../../domain/lifecycle.js';
import { roles } from '../../domain/roles.js';
import type { CliContext } from '../context.js';
import { takesExceptions } from './completion.js';

/**
 * `waiver __complete WORD… PARTIAL` (hidden): the candidates for the last word of a command line, one a
 * line, then Cobra's `:4` (no file names). kubectl ≥ 1.26 asks plugins this way, through
 * `kubectl_complete-waiver`; the bash, zsh and fish scripts ask it for values only the store knows.
 */
export async function run(ctx: CliContext, program: Command, words: readonly string[]): Promise<void> {
  const partial = words.at(-1) ?? '';
  let candidates: string[] = [];
  try {
    candidates = await candidatesFor(ctx, program, words.slice(0, -1), partial);
  } catch {
    // Completion never fails aloud: no store, no server, no cluster is simply nothing to offer.
  }
  const offered = candidates.filter((c) => c.startsWith(partial));
  ctx.out(`${[...new Set(offered)].join('\n')}${offered.length ? '\n' : ''}:4\n`);
}

const longAndShort = (o: Option): string[] => [o.long, o.short].filter((f): f is string => !!f);
const isFlag = (o: Option, word: string): boolean => o.long === word || o.short === word;

/** The command the words name (`token create`), and the options in force there. */
function commandOf(program: Command, words: readonly string[]): { command: Command; operands: string[] } {
  let command = program;
  const operands: string[] = [];
  const options = (): Option[] => [...command.options, ...program.options];
  for (let i = 0; i < words.length; i++) {
    const word = words[i] ?? '';
    if (word.startsWith('-')) {
      const option = options().find((o) => isFlag(o, word.split('=')[0] ?? ''));
      if (option && (option.required || option.optional) && !word.includes('=')) i++;
      continue;
    }
    const sub = command.commands.find((c) => c.name() === word);
    if (sub && operands.length === 0) command = sub;
    else operands.push(word);
  }
  return { command, operands };
}

/** What a flag's value may be: from the domain's lists, the option's own description, or the store. */
async function valuesOf(ctx: CliContext, flag: string, option: Option): Promise<string[]> {
  switch (flag) {
    case '--state':
      return [...states];
    case '--category':
      return [...categories];
    case '--role':
      return [...roles];
    case '--api-version':
      return [...apiVersions];
    case '--kind':
      return [...allowedKinds];
    case '--output':
      return /output format: ([\w|]+)/.exec(option.description)?.[1]?.split('|') ?? [];
    case '--sort':
      return ['id', 'newest', 'expiry'];
    case '--policy':
      return (await noStore(ctx)) ? [] : policies(ctx);
    case '--target':
      return (await (await ctx.waiver()).targets()).items.map((t) => t.name);
    case '--reports-from':
      return (await (await ctx.waiver()).targets()).items
        .filter((t) => t.kind === 'cluster')
        .map((t) => t.name);
    default:
      return [];
  }
}

/** The newest exceptions, as most completions want the ones just requested or approved. */
const recent = async (ctx: CliContext, shown?: readonly State[]) =>
  (await (await ctx.waiver()).listPage({ sort: 'newest', states: shown }, { limit: 200 })).items;

/**
 * The shown states a verb acts on, from the lifecycle (an active exception past its expiry is still
 * active there, so `expired` goes with `active`); none for a verb that reads any (describe, get).
 */
function statesFor(verb: string): readonly State[] | undefined {
  // Renewal is no transition of its own: in force, or ended by expiry (renew-exception.ts).
  if (verb === 'renew') return ['active', 'expired', 'removed'];
  if (!(actions as readonly string[]).includes(verb)) return undefined;
  return storedStates
    .filter((s) => transitions[s][verb as Action] !== undefined)
    .flatMap((s): State[] => (s === 'active' ? ['active', 'expired'] : [s]));
}

async function idsFor(ctx: CliContext, verb: string): Promise<string[]> {
  const items = await recent(ctx, statesFor(verb));
  return items
    .filter((e) => verb !== 'renew' || e.state !== 'removed' || e.endReason === 'expired')
    .map((e) => e.id);
}

async function policies(ctx: CliContext): Promise<string[]> {
  const waiver = await ctx.waiver();
  const [settings, items] = await Promise.all([waiver.settings(), recent(ctx)]);
  return [settings.defaultPolicy, ...items.map((e) => e.policy)];
}

/** Local mode with no database yet: nothing to offer, and completing must not make one. */
async function noStore(ctx: CliContext): Promise<boolean> {
  const config = await ctx.config();
  return !config.remote && !/^postgres(ql)?:/.test(config.database) && !existsSync(config.database);
}

async function candidatesFor(
  ctx: CliContext,
  program: Command,
  words: readonly string[],
  partial: string,
): Promise<string[]> {
  const { command, operands } = commandOf(program, words);
  const options = [...command.options, ...(command === program ? [] : program.options)];
  const previous = words.at(-1) ?? '';
  const valued = options.find((o) => isFlag(o, previous) && (o.required || o.optional));
  if (valued) return valuesOf(ctx, valued.long ?? '', valued);
  if (partial.startsWith('-')) return [...options.flatMap(longAndShort), '--help'];
  if (command.commands.length > 0)
    return command.commands.map((c) => c.name()).filter((n) => !n.startsWith('__'));
  // An exception named by id where the command takes one (approve EX-…, describe EX-…).
  const argument = command.registeredArguments[0];
  if (argument && takesExceptions(command) && (operands.length === 0 || argument.variadic))
    return (await noStore(ctx)) ? [] : idsFor(ctx, command.name());
  return [];
}
