import { execFileSync, spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, parseAllDocuments } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, runProcess, type CliResult } from '../support/cli.js';
import { seedCluster } from '../support/kube/cluster.js';
import { FakeKubeApiServer } from '../support/kube/fake-api-server.js';
import { call } from '../support/server.js';
import { useTempDir } from '../support/temp.js';

/**
 * Every command the chart prints (NOTES.txt, its refusals) or documents (its README, the comments of
 * values.yaml) is run here, as written:
 * - `helm install` by the real helm (`--dry-run=client`), which also gives the NOTES.txt it prints;
 *   `helm upgrade` up to the cluster it needs, then as the install it amends;
 * - `kubectl exec deploy/… -- …` in a "pod": the chart's Deployment run here (its args, working folder,
 *   configuration and environment, the built CLI), against a test API server seeded as the chart installs
 *   it; the real kubectl is run too, against a cluster that refuses connections, so every flag it takes
 *   has been parsed; `kubectl create` by the real kubectl (`--dry-run=client`);
 * - a bare `waiver …` where it runs: in that pod; `node scripts/…` in a copy of the repository's files.
 * A documented command no rule here knows fails the test: a new one gets a check before it ships.
 */
const root = fileURLToPath(new URL('../../', import.meta.url));
const chartDir = join(root, 'deploy/helm/waiver');
const helm = process.env['WAIVER_HELM'] ?? 'helm';
const probes: Record<string, string[]> = {
  [helm]: ['version'],
  kubectl: ['version', '--client'],
  bash: ['--version'],
};
const tools = Object.entries(probes)
  .filter(([tool, args]) => spawnSync(tool, args, { encoding: 'utf8' }).status !== 0)
  .map(([tool]) => tool);
if (tools.length)
  console.warn(`chart command tests skipped: ${tools.join(', ')} not found (.ci/helm.sh installs helm).`);

const tempDir = useTempDir();
const LONG = 180_000;

interface Documented {
  /** Where a reader finds it. */
  source: string;
  text: string;
  /** Named in a sentence ("request it with waiver request"), not given to run: it must exist. */
  reference?: boolean;
}

/** The words a shell makes of a documented command (its quotes, `$(…)`, comments, continuations). */
const words = (text: string): string[] =>
  execFileSync('bash', ['-c', `printf '%s\\0' ${text}`], { encoding: 'utf8' })
    .split('\0')
    .slice(0, -1);

const PROGRAM = /(?<![\w/.-])(?:waiver|kubectl|helm|node|\/nodejs\/bin\/node) (?=[-a-z/])/g;

/**
 * Commands in prose: from a program's name to the end of the line, or to an unquoted parenthesis or
 * semicolon ("(waiver guard)", "see waiver review (queue remove)").
 */
function commandsIn(source: string, text: string, reference = false): Documented[] {
  const found: Documented[] = [];
  for (let match = PROGRAM.exec(text); match; match = PROGRAM.exec(text)) {
    let quote: string | undefined;
    let end = match.index;
    for (; end < text.length; end++) {
      const c = text[end]!;
      if (quote) {
        if (c === quote) quote = undefined;
      } else if (c === '"' || c === "'") quote = c;
      else if ('()\n`;'.includes(c)) break;
    }
    found.push({ source, text: text.slice(match.index, end).replace(/[.,:]?\s*$/, ''), reference });
    PROGRAM.lastIndex = end;
  }
  return found;
}

/** The chart README's shell blocks, line by line, and its inline code that starts with a program. */
function readmeCommands(): Documented[] {
  const readme = readFileSync(join(chartDir, 'README.md'), 'utf8');
  const found: Documented[] = [];
  for (const [, block] of readme.matchAll(/```sh\n([\s\S]*?)```/g))
    for (const line of block!.replace(/\\\n/g, ' ').split('\n'))
      if (line.trim()) found.push({ source: 'README.md', text: line });
  const prose = readme.replace(/```[\s\S]*?```/g, '');
  for (const [, span] of prose.matchAll(/`([^`\n]+)`/g))
    if (new RegExp(`^${PROGRAM.source}`).test(span!)) found.push({ source: 'README.md', text: span! });
  return found;
}

function valuesCommands(): Documented[] {
  const comments = readFileSync(join(chartDir, 'values.yaml'), 'utf8')
    .split('\n')
    .flatMap((line) => /#\s?(.*)$/.exec(line)?.[1] ?? [])
    .join('\n');
  return commandsIn('values.yaml', comments);
}

type Obj = { kind: string; metadata: { name: string }; [k: string]: any };

const render = (...sets: string[]): Obj[] =>
  parseAllDocuments(
    execFileSync(
      helm,
      ['template', 'waiver', chartDir, '-n', 'waiver', ...sets.flatMap((s) => ['--set', s])],
      {
        encoding: 'utf8',
      },
    ),
  )
    .map((d) => d.toJS() as Obj | null)
    .filter((d): d is Obj => d !== null);

/** What the chart's own refusals tell people to run. */
function refusalCommands(): Documented[] {
  const refusals = [
    ['metrics.serviceMonitor.enabled=true'],
    ['replicas=2'],
    ['controller.separate=true'],
    ['controller.replicas=2'],
  ];
  return refusals.flatMap((sets) => {
    const args = [
      'template',
      'waiver',
      chartDir,
      '--skip-schema-validation',
      ...sets.flatMap((s) => ['--set', s]),
    ];
    const { stderr, status } = spawnSync(helm, args, { encoding: 'utf8' });
    expect(status).not.toBe(0);
    return commandsIn(`the refusal of ${sets.join(' ')}`, stderr);
  });
}

/** What the chart makes others print: its alerts' descriptions, and the guard's refusal (naming a command). */
function printedCommands(): Documented[] {
  const rules = render('metrics.prometheusRule.enabled=true').find((o) => o.kind === 'PrometheusRule')!;
  const alerts = (
    rules['spec'].groups as { rules: { alert: string; annotations: { description: string } }[] }[]
  )
    .flatMap((g) => g.rules)
    .flatMap((r) => commandsIn(`the alert ${r.alert}`, r.annotations.description));
  const guard = render('guard.enabled=true').find((o) => o.kind === 'ValidatingAdmissionPolicy')!;
  const refusal = guard['spec'].validations[0].messageExpression as string;
  return [...alerts, ...commandsIn("the guard's refusal", refusal, true)];
}

/** The chart's API Deployment, run here as its pod: its args, folder, configuration and environment. */
class Pod {
  readonly dir: string;
  url = '';
  private child: ChildProcessWithoutNullStreams | undefined;
  private exited: Promise<number | null> | undefined;

  constructor(
    base: string,
    private readonly deployment: Obj,
    private readonly config: string,
    private readonly kubeconfig: string,
  ) {
    this.dir = join(base, 'pod');
  }

  /** A path of the pod's file system, in this one. */
  path = (podPath: string): string => join(this.dir, podPath);
  private mapped = (text: string): string =>
    text.replace(/(?<![\w.])\/(var\/lib\/waiver|etc\/waiver)/g, `${this.dir}/$1`);

  private get container() {
    return this.deployment['spec'].template.spec.containers[0] as {
      args: string[];
      workingDir: string;
      env: { name: string; value?: string }[];
    };
  }

  private env(): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = { PATH: process.env['PATH'] ?? '', HOME: this.path('/var/lib/waiver') };
    for (const { name, value } of this.container.env) if (value !== undefined) env[name] = this.mapped(value);
    // The pod's service account is this test's API server; the chart's 0.0.0.0:8080 is a port to share here.
    return { ...env, KUBECONFIG: this.kubeconfig, WAIVER_HOST: '127.0.0.1', WAIVER_PORT: '0' };
  }

  async start(): Promise<void> {
    const config = this.path('/etc/waiver/waiver.yaml');
    mkdirSync(dirname(config), { recursive: true });
    writeFileSync(config, this.mapped(this.config));
    mkdirSync(this.path(this.container.workingDir), { recursive: true });
    this.child = spawn(process.execPath, [BIN, ...this.container.args], {
      cwd: this.path(this.container.workingDir),
      env: this.env(),
    });
    const child = this.child;
    let out = '';
    this.exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
    this.url = await new Promise<string>((resolve, reject) => {
      child.stdout.setEncoding('utf8').on('data', (d: string) => {
        out += d;
        const url = /waiver serving on (http:\/\/[\d.:]+)/.exec(out)?.[1];
        if (url) resolve(url);
      });
      child.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
      void this.exited?.then((code) => reject(new Error(`the pod exited with ${code}: ${out}`)));
    });
  }

  /** The command line the pod runs. */
  get args(): string[] {
    return this.container.args;
  }

  /** `kubectl exec` into it: the image's `waiver` is the built CLI, its node this one. */
  exec(argv: readonly string[]): Promise<CliResult> {
    const [program, ...args] = argv;
    const options = { cwd: this.path(this.container.workingDir), env: this.env() };
    if (program === 'waiver') return runProcess(process.execPath, [BIN, ...args], options);
    if (program === '/nodejs/bin/node') return runProcess(process.execPath, args.map(this.mapped), options);
    throw new Error(
      `the image has no ${program ?? 'program'}: it has no shell, only waiver and /nodejs/bin/node`,
    );
  }

  async stop(): Promise<number | null> {
    this.child?.kill('SIGTERM');
    return (await this.exited) ?? null;
  }
}

/** A kubeconfig whose cluster refuses connections: kubectl parses its flags, then fails to connect. */
const deadKubeconfig = (dir: string): string => {
  const path = join(dir, 'dead-kubeconfig');
  writeFileSync(
    path,
    'apiVersion: v1\nkind: Config\nclusters: [{name: dead, cluster: {server: "http://127.0.0.1:1"}}]\n' +
      'contexts: [{name: dead, context: {cluster: dead, user: u}}]\nusers: [{name: u, user: {}}]\ncurrent-context: dead\n',
  );
  return path;
};

describe.skipIf(tools.length > 0)('the commands the Helm chart prints and documents', () => {
  let api: FakeKubeApiServer;
  let pod: Pod;
  let base: string;
  const objects = (): Obj[] => render();

  beforeAll(async () => {
    base = join(tempDir(), 'chart');
    mkdirSync(base, { recursive: true });
    api = await new FakeKubeApiServer().start();
    seedCluster(api);
    // Installed as the chart installs it: its roles (the cleanup controller's aggregated one) and its guard.
    for (const o of [...objects(), ...render('guard.enabled=true')])
      try {
        api.seed(String(o['apiVersion']), o.kind, o);
      } catch {
        // a kind the test API server does not serve (Service, RoleBinding…): doctor reads none of them
      }
    const kubeconfig = join(base, 'kubeconfig');
    writeFileSync(kubeconfig, api.kubeconfig());
    const rendered = objects();
    const deployment = rendered.find((o) => o.kind === 'Deployment' && o.metadata.name === 'waiver')!;
    const configMap = rendered.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'waiver')!;
    pod = new Pod(base, deployment, configMap['data']['waiver.yaml'] as string, kubeconfig);
    await pod.start();
  }, LONG);

  afterAll(async () => {
    if (pod) expect(await pod.stop()).toBe(0);
    await api?.stop();
  }, LONG);

  it(
    'runs each of them as written, and each does what the chart says',
    async () => {
      const dead = deadKubeconfig(base);
      const rendered = objects();
      const secrets = new Set<string>();
      const failures: string[] = [];
      const ran: string[] = [];
      const queue: Documented[] = [
        ...readmeCommands(),
        ...valuesCommands(),
        ...refusalCommands(),
        ...printedCommands(),
      ];
      const check = (ok: boolean, command: Documented, what: string): void => {
        if (!ok) failures.push(`${command.source}: ${command.text}\n  ${what}`);
      };
      const expectRan = (r: CliResult, command: Documented): CliResult => {
        check(r.code === 0, command, `exit ${r.code}: ${r.stderr.trim()}`);
        return r;
      };

      /** In the pod: what `waiver …` and the image's node print there, checked for what the chart promises. */
      const inPod = async (argv: string[], command: Documented): Promise<void> => {
        if (command.reference) {
          expectRan(await pod.exec([...argv, '--help']), command);
          return;
        }
        if (argv[0] === 'waiver' && argv[1] === 'serve') {
          check(
            JSON.stringify(argv.slice(1)) === JSON.stringify(pod.args),
            command,
            `the pod runs ${pod.args.join(' ')}`,
          );
          return;
        }
        const result = expectRan(await pod.exec(argv), command);
        if (result.code !== 0) return;
        if (argv[0] === '/nodejs/bin/node') {
          // The first admin token, as serve wrote it (its output is no terminal): an admin's.
          const answer = await call(pod.url, result.stdout.trim(), 'GET', '/api/v1/tokens');
          check(answer.status === 200, command, `the printed token is no admin's: ${answer.status}`);
        } else if (argv[1] === 'token' && argv[2] === 'create') {
          // The token Prometheus scrapes /metrics with.
          const secret = /secret \(shown once\): (\S+)/.exec(result.stdout)?.[1] ?? '';
          const metrics = await call(pod.url, secret, 'GET', '/metrics');
          check(metrics.status === 200, command, `/metrics answers its token ${metrics.status}`);
        } else if (argv[1] === 'guard') {
          const guard = parseAllDocuments(result.stdout).map((d) => d.toJS() as Obj);
          check(
            guard.map((o) => o.kind).join() === 'ValidatingAdmissionPolicy,ValidatingAdmissionPolicyBinding',
            command,
            'prints the guard',
          );
        } else if (argv[1] === 'doctor') {
          check(!/^FAIL/m.test(result.stdout), command, result.stdout);
        }
      };

      const kubectl = async (argv: string[], command: Documented): Promise<void> => {
        const args = argv.slice(1);
        if (args[0] === 'waiver') {
          // kubectl's plugin: the package's kubectl-waiver, the same CLI.
          const bins = (
            JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { bin: Record<string, string> }
          ).bin;
          check(bins['kubectl-waiver'] === bins['waiver'], command, 'the package installs no kubectl-waiver');
          await inPod(args, command);
          return;
        }
        const namespace = args[args.indexOf('-n') + 1];
        const verb = args.find((a, i) => !a.startsWith('-') && args[i - 1] !== '-n');
        if (verb === 'create') {
          const created = expectRan(
            await runProcess('kubectl', [...args, '--dry-run=client', '-o', 'yaml'], {
              cwd: base,
              env: { PATH: process.env['PATH'] ?? '', KUBECONFIG: dead, HOME: base },
            }),
            command,
          );
          const object = parse(created.stdout) as Obj | undefined;
          if (object?.kind === 'Secret') secrets.add(object.metadata.name);
          return;
        }
        // Everything up to the connection: a flag kubectl does not take fails before it.
        const parsed = await runProcess('kubectl', [...args, '--request-timeout=5s'], {
          cwd: base,
          env: { PATH: process.env['PATH'] ?? '', KUBECONFIG: dead, HOME: base },
        });
        check(
          /connection to the server .* was refused/.test(parsed.stderr),
          command,
          `kubectl: ${parsed.stderr.trim()}`,
        );
        check(
          namespace === 'waiver',
          command,
          `namespace ${namespace ?? 'none'}, where the README installs it`,
        );
        if (verb === 'exec') {
          const [kind, name] = (args[args.indexOf('exec') + 1] ?? '').split('/');
          check(
            kind === 'deploy' && rendered.some((o) => o.kind === 'Deployment' && o.metadata.name === name),
            command,
            'no such Deployment',
          );
          await inPod(args.slice(args.indexOf('--') + 1), command);
        } else if (verb === 'port-forward') {
          const [kind, name] = (args[args.indexOf('port-forward') + 1] ?? '').split('/');
          const port = Number(args[args.indexOf('port-forward') + 2]?.split(':')[1]);
          const service = rendered.find((o) => o.kind === 'Service' && o.metadata.name === name);
          check(
            kind === 'svc' && service?.['spec'].ports.some((p: { port: number }) => p.port === port) === true,
            command,
            'no such Service port',
          );
          // What it forwards to: the pod's API and web UI.
          check(
            (await call(pod.url, undefined, 'GET', '/healthz')).status === 200,
            command,
            'the pod does not answer',
          );
        } else failures.push(`${command.source}: ${command.text}\n  no check for kubectl ${verb ?? ''}`);
      };

      const helmCommand = async (argv: string[], command: Documented): Promise<void> => {
        const [, verb, ...rest] = argv;
        const env = { PATH: process.env['PATH'] ?? '', KUBECONFIG: dead, HOME: base };
        for (const [, name] of rest.join(' ').matchAll(/(?:existingSecret|tokenSecret\.name)=(\S+)/g))
          check(secrets.has(name!), command, `the Secret ${name} is made by no command before it`);
        if (verb === 'upgrade') {
          // An upgrade needs the release in a cluster: up to that point, then as the install it amends.
          const upgrade = await runProcess(helm, [...argv.slice(1), '--dry-run=client'], { cwd: root, env });
          check(/cluster unreachable/.test(upgrade.stderr), command, `helm: ${upgrade.stderr.trim()}`);
        } else if (verb !== 'install') {
          failures.push(`${command.source}: ${command.text}\n  no check for helm ${verb ?? ''}`);
          return;
        }
        const install = ['install', ...rest.filter((a) => a !== '--reuse-values'), '--dry-run=client'];
        const result = expectRan(await runProcess(helm, install, { cwd: root, env }), command);
        const notes = result.stdout.split('\nNOTES:\n')[1];
        check(notes !== undefined, command, 'printed no NOTES');
        if (verb === 'install' && notes) queue.push(...commandsIn(`NOTES.txt after ${command.text}`, notes));
      };

      const node = async (argv: string[], command: Documented): Promise<void> => {
        // scripts/rbac.mjs writes into the repository: it runs in a copy of the files it reads and writes.
        check(argv[1] === 'scripts/rbac.mjs', command, 'no check for this script');
        const copy = join(base, 'repository');
        mkdirSync(join(copy, 'scripts'), { recursive: true });
        mkdirSync(join(copy, 'deploy/helm/waiver/files'), { recursive: true });
        copyFileSync(join(root, 'scripts/rbac.mjs'), join(copy, 'scripts/rbac.mjs'));
        copyFileSync(
          join(chartDir, 'files/rbac-rules.yaml'),
          join(copy, 'deploy/helm/waiver/files/rbac-rules.yaml'),
        );
        symlinkSync(join(root, 'node_modules'), join(copy, 'node_modules'));
        expectRan(
          await runProcess(process.execPath, argv.slice(1), {
            cwd: copy,
            env: { PATH: process.env['PATH'] ?? '' },
          }),
          command,
        );
        check(
          readFileSync(join(copy, 'deploy/rbac.yaml'), 'utf8') ===
            readFileSync(join(root, 'deploy/rbac.yaml'), 'utf8'),
          command,
          'deploy/rbac.yaml is not what it writes',
        );
      };

      for (let command = queue.shift(); command; command = queue.shift()) {
        const argv = words(command.text);
        ran.push(`${command.source}: ${argv.join(' ')}`);
        if (argv[0] === 'kubectl') await kubectl(argv, command);
        else if (argv[0] === 'helm') await helmCommand(argv, command);
        else if (argv[0] === 'waiver') await inPod(argv, command);
        else if (argv[0] === 'node') await node(argv, command);
        else
          failures.push(
            `${command.source}: ${command.text}\n  no check for ${argv[0] ?? 'an empty command'}`,
          );
      }
      expect(failures).toEqual([]);
      // Every place the chart speaks was read: a command of each ran.
      for (const source of [
        'README.md',
        'values.yaml',
        'NOTES.txt',
        'the refusal of metrics.serviceMonitor',
        'the alert',
        "the guard's",
      ])
        expect(
          ran.some((r) => r.startsWith(source)),
          source,
        ).toBe(true);
      expect(ran.some((r) => r.includes('token create --owner prometheus --role auditor'))).toBe(true);
      expect(ran.some((r) => r.includes('/nodejs/bin/node -p'))).toBe(true);
    },
    LONG,
  );
});
