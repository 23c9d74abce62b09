import type { TokenInput } from '../../service/inputs.js';
import type { CliContext } from '../context.js';
import { document, outputFormat, table, type OutputFlags } from '../output.js';

export interface TokenCreateFlags extends OutputFlags {
  owner?: string;
  role?: string[];
  description?: string;
  expires?: string;
}

/** `waiver token create`: the secret is printed once, to stdout, and never stored. */
export async function create(ctx: CliContext, flags: TokenCreateFlags): Promise<void> {
  const format = outputFormat(flags.output, ['table', 'json', 'yaml']);
  // As typed on the command line; the service's schema names any field that is wrong.
  const input: Record<string, unknown> = {
    owner: flags.owner,
    roles: flags.role,
    ...(flags.description === undefined ? {} : { description: flags.description }),
    ...(flags.expires === undefined ? {} : { expires: flags.expires }),
  };
  const created = await (await ctx.waiver()).createToken(input as TokenInput);
  if (format !== 'table') return ctx.out(document(created, format));
  const { token, secret } = created;
  ctx.out(
    `token ${token.id} for ${token.owner} (${token.roles.join(',')}), expires ${token.expiresAt ?? 'never'}\n` +
      `secret (shown once): ${secret}\n`,
  );
}

export async function list(ctx: CliContext, flags: OutputFlags): Promise<void> {
  const format = outputFormat(flags.output, ['table', 'json', 'yaml']);
  const items = await (await ctx.waiver()).listTokens();
  if (format !== 'table') return ctx.out(document({ items }, format));
  const rows = items.map((t) => [
    t.id,
    t.owner,
    t.roles.join(','),
    t.createdAt,
    t.expiresAt ?? '<never>',
    t.revokedAt === null ? 'active' : `revoked ${t.revokedAt}`,
    t.description,
  ]);
  ctx.out(table(['ID', 'OWNER', 'ROLES', 'CREATED', 'EXPIRES', 'STATUS', 'DESCRIPTION'], rows));
}

export async function revoke(ctx: CliContext, id: string): Promise<void> {
  await (await ctx.waiver()).revokeToken(id);
  ctx.out(`token ${id} revoked\n`);
}
