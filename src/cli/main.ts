import { Command, CommanderError, Option } from 'commander';
import { VERSION } from '../config/load.js';
import { isWaiverError, messageOf } from '../domain/errors.js';
import { createContext, type CliContext, type Streams } from './context.js';
import type { ApplyFlags } from './commands/apply.js';
import type { ImportFlags } from './commands/import.js';
import type { AuditFlags } from './commands/audit.js';
import type { OscalFlags } from './commands/export.js';
import type { ReportFlags } from './commands/report.js';
import type { BundleFlags } from './commands/bundle.js';
import type { GetFlags } from './commands/get.js';
import type { RenderFlags } from './commands/render.js';
import type { GuardFlags } from './commands/guard.js';
import type { RenewFlags } from './commands/renew.js';
import type { RequestFlags } from './commands/request.js';
import type { CoversFlags } from './commands/covers.js';
import type { NotificationsFlags } from './commands/notifications.js';
import type { ReviewFlags } from './commands/review.js';
import type { ServeFlags } from './commands/serve.js';
import type { TokenCreateFlags } from './commands/token.js';
import type { TransitionFlags } from './commands/transition.js';
import type { ViolationsFlags } from './commands/violations.js';
import type { EvidenceFlags } from './commands/evidence.js';
import { exitCodes } from './exit-codes.js';
import { errorLine, issueLine } from './flag-names.js';
import type { InstantFlags, OutputFlags } from './output.js';

/** A repeatable flag; without a default, so help shows the one default its description names. */
const collect = (value: string, previous: string[] = []): string[] => [...previous, value];
const outputOption = (formats: string): Option =>
  new Option('-o, --output <format>', `output format: ${formats}`);

/**
 * Declares the commands; each lives in its own file under commands/ and is imported only when it runs,
 * so a cold `waiver get` loads no more than it needs.
 */
function program(ctx: () => CliContext, streams: Streams): Command {
  const cli = new Command('waiver')
    .description('Kubernetes policy exceptions: explicit, time-bound, audited, decreasing')
    .version(VERSION)
    .option('--db <path>', 'SQLite database (env WAIVER_DB; default ./.waiver/waiver.db)')
    .option('--database <url>', 'a postgres:// URL or a SQLite file (env WAIVER_DATABASE_URL)')
    .option('--server <url>', 'remote mode: call this Waiver server (env WAIVER_SERVER)')
    .option('--token <token>', 'API token or OIDC JWT for --server (env WAIVER_TOKEN)')
    .option(
      '--kubeconfig <path>',
      'write exceptions to the cluster of this kubeconfig (else KUBECONFIG, ~/.kube/config)',
    )
    .option('--context <name>', 'the kubeconfig context to use (implies the cluster as target)')
    .option('--config <path>', 'configuration file (env WAIVER_CONFIG)')
    .option(
      '--target-dir <path>',
      'GitOps folder the exceptions are written to (env WAIVER_TARGET_DIR; default ./policy-exceptions)',
    )
    .option('--as <user>', 'act as this identity (env WAIVER_USER; default the OS user)')
    .configureOutput({ writeOut: (text) => streams.out(text), writeErr: (text) => streams.err(text) })
    .exitOverride()
    .showSuggestionAfterError()
    .enablePositionalOptions(false);

  cli
    .command('request')
    .description(
      'request an exception (flags, or -f with the process template filled in; a flag overrides the file, and -f may supply what is marked required)',
    )
    .option(
      '-f, --file <file>',
      'a PolicyException (the process template) to take fields from; several, separated by ---, are requested together (all or none); - for stdin',
    )
    .option(
      '--exception-name <name>',
      'name of the PolicyException (default: from namespace, pattern and ticket)',
    )
    .option(
      '--policy <policy>',
      'a ClusterPolicy, a Policy as namespace/name, or a CEL policy as Kind/name, e.g. ImageValidatingPolicy/check-images (default require-image-signature)',
    )
    .option('--rule <rule>', 'rule name; repeatable (default check-image-signature)', collect)
    .option('--kind <kind>', 'resource kind; repeatable (default Pod)', collect)
    .option(
      '-n, --namespace <namespace>',
      'required (unless --from-violation): a namespace whose pods it exempts; repeatable',
      collect,
    )
    .option(
      '--name <pattern>',
      'required (unless --from-violation): pod-name pattern, e.g. payments-api-*; repeatable',
      collect,
    )
    .option(
      '--category <category>',
      'required: emergency-hotfix | vendor-image | legacy-migration | image-development',
    )
    .option('--ticket <ticket>', 'required: ticket reference, e.g. INC-123')
    .option('--reason <reason>', 'required: business justification (at least 30 characters)')
    .option('--risk-assessment <text>', 'risk assessment link or text (required for vendor-image)')
    .option(
      '--risk-before <L:I>',
      'risk rating before compensating controls: likelihood:impact, each 1 (rare, negligible) to 5 (almost certain, severe)',
    )
    .option('--risk-after <L:I>', 'risk rating after compensating controls (needs --risk-before)')
    .option('--compensating-controls <text>', 'what limits the risk while the exception is in force')
    .option(
      '--validation <cel>',
      'a compensating control Kyverno checks: CEL the resource must satisfy before a CEL exception applies; repeatable',
      collect,
    )
    .option(
      '--false-positive <why>',
      "state that the policy's finding is a false positive here, and why; approval approves the claim (FedRAMP false-positive)",
    )
    .option('--expires <when>', 'required: a duration (14d) or an RFC3339 instant')
    .option(
      '--api-version <version>',
      'kyverno.io/v2 (default) or kyverno.io/v2beta1; a CEL policy (--policy Kind/name) takes policies.kyverno.io/v1 without asking',
    )
    .option(
      '--target <name>',
      "the named target it will live on (default: the configuration's defaultTarget); fixed for its life",
    )
    .option('--preview', 'file nothing: show what the request would let through in the cluster')
    .option(
      '--from-violation <resource>',
      'draft the narrowest scope from a failing report result: KIND/NAMESPACE/NAME with --policy (and --rule to pick rules)',
    )
    .option(
      '--reports-from <target>',
      'with --from-violation: the cluster target whose policy reports show it (default: --target), e.g. reports from a cluster, the exception filed to a Git or folder target',
    )
    .addOption(outputOption('table|json|yaml|name'))
    .action(async (flags: RequestFlags) => (await import('./commands/request.js')).run(ctx(), flags));

  for (const verb of ['approve', 'reject'] as const) {
    cli
      .command(verb)
      .description(`${verb} exceptions: one, or several with one comment (each checked on its own)`)
      .argument('<ids...>', 'EX-42, 42 or the name; several are one batch')
      .option('--comment <text>', verb === 'reject' ? 'required: why' : 'why, for the audit trail')
      .addOption(outputOption('table|json|yaml|name'))
      .action(async (refs: string[], flags: TransitionFlags) =>
        (await import('./commands/transition.js')).run(ctx(), verb, refs, flags),
      );
  }
  for (const verb of ['withdraw', 'revoke', 'escalate'] as const) {
    const command = cli
      .command(verb)
      .description(`${verb} an exception`)
      .argument('<id>', 'EX-42, 42 or the name');
    if (verb === 'revoke')
      command.option(
        '--closure <reason>',
        'why it ends: revoked (default), no-longer-needed, or escalated (into a policy change)',
      );
    command
      .option('--comment <text>', verb === 'escalate' ? 'required: why' : 'why, for the audit trail')
      .addOption(outputOption('table|json|yaml|name'))
      .action(async (ref: string, flags: TransitionFlags) =>
        (await import('./commands/transition.js')).run(ctx(), verb, [ref], flags),
      );
  }

  cli
    .command('apply')
    .description('apply approved exceptions: write them to the target (several at once are one batch)')
    .argument('[ids...]', 'EX-42, 42 or the name')
    .option('--all-approved', 'every approved exception')
    .option('-n, --namespace <ns>', 'with --all-approved: only those for this namespace')
    .option('--comment <text>', 'note for the audit trail')
    .addOption(outputOption('table|json|yaml|name'))
    .action(async (refs: string[], flags: ApplyFlags) =>
      (await import('./commands/apply.js')).run(ctx(), refs, flags),
    );

  cli
    .command('renew')
    .description('request a renewal: same scope, new justification, fresh approval')
    .argument('<id>', 'EX-42, 42 or the name')
    .option('--reason <reason>', 'required: the new justification (at least 30 characters)')
    .option('--expires <when>', 'required: a duration (14d) or an RFC3339 instant')
    .option('--ticket <ticket>', 'a new ticket reference (default: the previous one)')
    .addOption(outputOption('table|json|yaml|name'))
    .action(async (ref: string, flags: RenewFlags) =>
      (await import('./commands/renew.js')).run(ctx(), ref, flags),
    );

  cli
    .command('get')
    .description('list exceptions')
    .argument('[ids...]', 'only these exceptions')
    .option('-n, --namespace <namespace>', 'only exceptions for this namespace (of the pods they exempt)')
    .option('-A, --all-namespaces', 'every namespace (the default)')
    .option('--state <states>', 'comma-separated: pending,approved,rejected,withdrawn,active,expired,removed')
    .option('--expiring-within <duration>', 'only active exceptions expiring within this duration, e.g. 7d')
    .option('--policy <policy>', 'only exceptions to this policy')
    .option('--category <category>', 'only exceptions of this category')
    .option('--target <name>', 'only exceptions on this named target (with --unmanaged: only that target)')
    .option('--search <text>', 'only exceptions whose name, ticket, requestor or reason holds this text')
    .option('--sort <order>', 'id (the default), newest, or expiry (soonest first)')
    .option('--unmanaged', 'PolicyExceptions in the cluster that did not come through Waiver (rogue)')
    .addOption(outputOption('table|wide|json|yaml|name'))
    .action(async (refs: string[], flags: GetFlags & { unmanaged?: boolean }) =>
      flags.unmanaged
        ? (await import('./commands/unmanaged.js')).run(ctx(), flags)
        : (await import('./commands/get.js')).run(ctx(), refs, flags),
    );

  cli
    .command('evidence')
    .description(
      "what Kyverno's policy reports prove: resources each exception lets through, and which are unused, outlive their end, or fail again",
    )
    .argument(
      '[id]',
      'EX-42, 42 or the name (default: every exception in effect or ended in the last 30 days)',
    )
    .option(
      '--reports-from <target>',
      'for exceptions on a Git or folder target: the cluster target whose policy reports speak of them (the cluster their manifests reach)',
    )
    .addOption(outputOption('table|json|yaml'))
    .action(async (ref: string | undefined, flags: EvidenceFlags) =>
      (await import('./commands/evidence.js')).run(ctx(), ref, flags),
    );

  cli
    .command('violations')
    .description(
      "the fail and error results of the clusters' policy reports, by resource and policy: owner, message, last seen, and whether an exception already covers it",
    )
    .option('-n, --namespace <namespace>', 'only resources in this namespace')
    .option('--policy <policy>', 'only this policy (as the report names it, or Kind/name)')
    .option('--target <name>', 'only this cluster target (default: every one)')
    .addOption(outputOption('table|json|yaml'))
    .action(async (flags: ViolationsFlags) => (await import('./commands/violations.js')).run(ctx(), flags));

  cli
    .command('describe')
    .description('show an exception and its audit timeline')
    .argument('<id>', 'EX-42, 42 or the name')
    .option(
      '--reports-from <target>',
      'for an exception on a Git or folder target: the cluster target whose policy reports give its evidence',
    )
    .addOption(outputOption('table|json|yaml'))
    .action(async (ref: string, flags: EvidenceFlags) =>
      (await import('./commands/describe.js')).run(ctx(), ref, flags),
    );

  cli
    .command('sweep')
    .description(
      "do the controller's periodic work once: reminders, expiry, retries, pull requests found merged",
    )
    .option('--now <instant>', 'act as of this RFC3339 instant (default: now)')
    .option('--target <name>', 'only the exceptions on this named target (default: every target)')
    .addOption(outputOption('table|json|yaml'))
    .action(async (flags: InstantFlags & { target?: string }) =>
      (await import('./commands/sweep.js')).run(ctx(), flags),
    );

  const audit = cli
    .command('audit')
    .description('show the audit trail, or verify its hash chain')
    .argument('[id]', 'only events of this exception')
    .option(
      '--verify',
      'recompute the hash chain (naming its first break) and check every exception and token row against it (naming each one changed)',
    )
    .option('--checkpoint <file>', 'with --verify: a signed checkpoint the chain must still hold')
    .option('--public-key <file>', 'with --checkpoint: the Ed25519 public key (PEM) it must be signed by')
    .option('--action <action>', 'only events with this action, e.g. approved, drift_detected')
    .option('--actor <identity>', 'only events by this identity')
    .option('--since <instant>', 'only events at or after this RFC3339 instant')
    .option('--until <instant>', 'only events before this RFC3339 instant')
    .addOption(outputOption('table|json|jsonl|csv|yaml'))
    .action(async (ref: string | undefined, flags: AuditFlags) =>
      (await import('./commands/audit.js')).run(ctx(), ref, flags),
    );
  audit
    .command('bundle')
    .description(
      'a signed evidence bundle (.tar.gz): OSCAL, the trail, the report, a checkpoint; or --verify one',
    )
    .option('--private-key <file>', 'the Ed25519 private key (PEM) that signs the manifest')
    .option('-o, --output <file>', 'where to write the bundle (FILE.tar.gz)')
    .option('--verify <file>', 'check a bundle: every digest and the signature; names anything changed')
    .option('--public-key <file>', 'with --verify: the Ed25519 public key (PEM) it must be signed by')
    .argument('[file]', 'with --verify: the bundle to check')
    // `audit`'s own -o, --verify and --public-key take their values before `bundle` sees them: read
    // them from there too (its --verify is a switch, so the bundle is the argument).
    .action(async (file: string | undefined, flags: BundleFlags, command: Command) => {
      const all = command.optsWithGlobals<Record<string, unknown>>();
      const text = (v: unknown) => (typeof v === 'string' ? v : undefined);
      await (
        await import('./commands/bundle.js')
      ).run(ctx(), {
        privateKey: flags.privateKey,
        output: flags.output ?? text(all['output']),
        publicKey: flags.publicKey ?? text(all['publicKey']),
        verify: flags.verify ?? (all['verify'] === true ? (file ?? '') : undefined),
      });
    });
  audit
    .command('checkpoint')
    .description('sign the chain head with a key the database never holds; keep the output elsewhere')
    .option('--private-key <file>', 'required: the Ed25519 private key (PEM)')
    .action(async (flags: { privateKey?: string }) =>
      (await import('./commands/audit.js')).checkpoint(ctx(), flags),
    );

  cli
    .command('report')
    .description('the audit report of a period: opened and closed, duties, metrics, the trail verified')
    .option('--from <instant>', 'the period starts at this RFC3339 instant (default: the beginning)')
    .option('--to <instant>', 'the period ends at this RFC3339 instant (default now); metrics as of it')
    .option('--checkpoint <file>', 'a signed checkpoint the trail must still hold')
    .option('--public-key <file>', 'with --checkpoint: the Ed25519 public key (PEM) it must be signed by')
    .addOption(outputOption('md|html|json'))
    .action(async (flags: ReportFlags) => (await import('./commands/report.js')).run(ctx(), flags));

  cli
    .command('export')
    .description('documents for auditors')
    .command('oscal')
    .description('an OSCAL 1.1 document of the exceptions: a POA&M or assessment results (JSON, on stdout)')
    .option('--model <model>', 'required: poam or assessment-results')
    .option('--from <instant>', 'only exceptions in force or requested at or after this RFC3339 instant')
    .option('--to <instant>', 'only what happened before this RFC3339 instant; statuses as they stood then')
    .action(async (flags: OscalFlags) => (await import('./commands/export.js')).oscal(ctx(), flags));

  cli
    .command('review')
    .description('what waits for you now: to approve, apply, decide before expiry, follow up or remove')
    .option('--all', 'every queue, not only those of your roles')
    .addOption(outputOption('table|json|yaml'))
    .action(async (flags: ReviewFlags) => (await import('./commands/review.js')).run(ctx(), flags));

  const notifications = cli
    .command('notifications')
    .description('the outbox, newest first: sent, pending (last error, next try) and dead notifications')
    .option('--state <state>', 'only pending, sent or dead ones')
    .option('--limit <n>', 'at most this many (1-1000, default 100)')
    .addOption(outputOption('table|json|yaml'))
    .action(async (flags: NotificationsFlags) =>
      (await import('./commands/notifications.js')).list(ctx(), flags),
    );
  notifications
    .command('retry')
    .description('try dead notifications again, from their first attempt')
    .argument('<ids...>', 'notification ids (waiver notifications --state dead)')
    .action(async (ids: string[]) => (await import('./commands/notifications.js')).retry(ctx(), ids));

  cli
    .command('metrics')
    .description('the process metrics and their targets')
    .option('--now <instant>', 'compute as of this RFC3339 instant (default: now)')
    .addOption(outputOption('table|json|yaml'))
    .action(async (flags: InstantFlags) => (await import('./commands/metrics.js')).run(ctx(), flags));

  cli
    .command('render')
    .description('print the PolicyException manifest of an exception')
    .argument('<id>', 'EX-42, 42 or the name')
    .option(
      '--api-version <version>',
      "a version of the exception's own API group: kyverno.io/v2 or v2beta1; policies.kyverno.io/v1 or v1beta1",
    )
    .action(async (ref: string, flags: RenderFlags) =>
      (await import('./commands/render.js')).run(ctx(), ref, flags),
    );

  cli
    .command('guard')
    .description(
      'print the ValidatingAdmissionPolicy that refuses PolicyException writes by anyone but Waiver (kubectl apply -f -)',
    )
    .option('--service-account <ns:name>', "Waiver's ServiceAccount (default waiver:waiver)")
    .option(
      '--cleanup-service-account <ns:name>',
      "Kyverno's cleanup controller, which may delete (default kyverno:kyverno-cleanup-controller)",
    )
    .action(async (flags: GuardFlags) => (await import('./commands/guard.js')).run(ctx(), flags));

  cli
    .command('lint')
    .description('check PolicyException manifests (files, folders, or - for stdin)')
    .argument('[paths...]', 'files or folders; - or nothing reads stdin')
    .addOption(outputOption('table|json|yaml'))
    .action(async (paths: string[], flags: OutputFlags) =>
      (await import('./commands/lint.js')).run(ctx(), paths, flags),
    );

  cli
    .command('covers')
    .description(
      "what exceptions let through, matched as Kyverno's engine matches: ID reads the cluster; -f and --resources read files",
    )
    .argument(
      '[id]',
      'EX-42, 42 or the name: its blast radius in the cluster now (a pending one before approval)',
    )
    .option('-f, --file <path>', 'PolicyException YAML: a file or a folder (repeatable)', collect)
    .option(
      '--resources <path>',
      'Kubernetes YAML to check; Namespace objects give their labels and are resources too (repeatable)',
      collect,
    )
    .option(
      '--policies <path>',
      'policy YAML (ClusterPolicy, Policy, CEL policies): only these get rows, as each selects (repeatable)',
      collect,
    )
    .addOption(outputOption('table|json|yaml'))
    .action(async (id: string | undefined, flags: CoversFlags) =>
      (await import('./commands/covers.js')).run(ctx(), id, flags),
    );

  cli
    .command('serve')
    .description('run the HTTP API (and the periodic work) on the configured store')
    .option('--host <host>', 'address to listen on (env WAIVER_HOST; default 127.0.0.1)')
    .option('--port <port>', 'port to listen on (env WAIVER_PORT; default 8080; 0 picks one)')
    .option(
      '--no-sweep',
      "do not run the periodic work here: each cluster's and repository's controller and the folders' sweep (reminders, expiry, removal, retried writes); notifications are still delivered",
    )
    .option('--no-controller', 'the same loops as --no-sweep; notifications are still delivered')
    .option(
      '--no-notify',
      'do not deliver notifications from this process (another process on the same store must)',
    )
    .option(
      '--evidence-key <file>',
      'an Ed25519 private key (PEM) to sign evidence bundles with at GET /api/v1/audit/bundle (auditor); read at start, never stored',
    )
    .action(async (flags: ServeFlags) => (await import('./commands/serve.js')).run(ctx(), flags));

  cli
    .command('controller')
    .description(
      'run the reconcile loop: apply, remind, expire, remove, restore drift, find rogue exceptions',
    )
    .action(async () => (await import('./commands/controller.js')).run(ctx()));

  cli
    .command('import')
    .description('adopt unmanaged PolicyExceptions of the clusters and repositories into the process')
    .option('--dry-run', 'show what would be imported; change nothing')
    .option('--target <name>', 'only this cluster or repository (default: every one that can be read)')
    .addOption(outputOption('table|json|yaml'))
    .action(async (flags: ImportFlags) => (await import('./commands/import.js')).run(ctx(), flags));

  cli
    .command('targets')
    .description('the configured targets: clusters, folders and Git repositories an exception may live on')
    .addOption(outputOption('table|json|yaml|name'))
    .action(async (flags: OutputFlags) => (await import('./commands/targets.js')).run(ctx(), flags));

  cli
    .command('doctor')
    .description('check each cluster target before use: Kyverno, CRD, namespace, policies, RBAC')
    .option('--target <name>', 'only this cluster target (default: every one)')
    .addOption(outputOption('table|json|yaml'))
    .action(async (flags: OutputFlags & { target?: string }) =>
      (await import('./commands/doctor.js')).run(ctx(), flags),
    );

  const token = cli.command('token').description('API tokens for the server (admin)');
  token
    .command('create')
    .description('create a token; its secret is printed once')
    // Required, and checked by the service: commander checks required options before unknown ones, so a
    // misspelt `--roles` would be reported as a missing --role instead of suggesting it.
    .option('--owner <identity>', 'required: whose token it is (the identity it acts as)')
    .option('--role <role>', 'required: requester|approver|applier|auditor|admin; repeatable', collect)
    .option('--description <text>', 'what it is for')
    .option('--expires <when>', 'a duration (90d) or an RFC3339 instant (default: never)')
    .addOption(outputOption('table|json|yaml'))
    .action(async (flags: TokenCreateFlags) => (await import('./commands/token.js')).create(ctx(), flags));
  token
    .command('list')
    .description('list tokens (never their secrets)')
    .addOption(outputOption('table|json|yaml'))
    .action(async (flags: OutputFlags) => (await import('./commands/token.js')).list(ctx(), flags));
  token
    .command('revoke')
    .description('revoke a token at once')
    .argument('<id>', 'the token id, e.g. tok-1a2b3c4d5e6f')
    .action(async (id: string) => (await import('./commands/token.js')).revoke(ctx(), id));

  cli
    .command('completion')
    .description('print a shell completion script: source <(waiver completion bash)')
    .argument('<shell>', 'bash, zsh or fish')
    .action(async (shell: string) => (await import('./commands/completion.js')).run(ctx(), cli, shell));

  return cli;
}

/** The hidden command shells and kubectl call to complete a command line (commands/complete.ts). */
export const COMPLETE = '__complete';

/** Runs the CLI and returns its exit code; errors are printed as one line, never a stack trace. */
export async function main(
  argv: readonly string[],
  streams: Streams,
  env: NodeJS.ProcessEnv = process.env,
  invocation: { kubectlPlugin?: boolean } = {},
): Promise<number> {
  let context: ReturnType<typeof createContext> | undefined;
  const flags = () => ({ ...cli.opts(), kubectlPlugin: invocation.kubectlPlugin === true });
  const ctx = () => (context ??= createContext(flags(), streams, env));
  const cli = program(ctx, streams);
  try {
    // Completion reads the words after it as a command line, not as its own options.
    if (argv[0] === COMPLETE) {
      await (await import('./commands/complete.js')).run(ctx(), cli, argv.slice(1));
      return 0;
    }
    await cli.parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (e) {
    return report(e, streams);
  } finally {
    await context?.close();
  }
}

function report(e: unknown, streams: Streams): number {
  if (e instanceof CommanderError) {
    // Commander has printed its message already.
    return e.exitCode === 0 ? 0 : 2;
  }
  if (isWaiverError(e)) {
    // One line an issue, each naming the flag to fix. A refused transition is about the exception's state,
    // not about a flag: `revoke` has no --state.
    const lines = e.issues.length
      ? e.issues.map(issueLine)
      : [errorLine(e.message, e.code === 'illegal_transition' ? undefined : e.field)];
    for (const line of lines) streams.err(`error: ${line}\n`);
    return exitCodes[e.code];
  }
  streams.err(`error: ${messageOf(e)}\n`);
  return 1;
}
