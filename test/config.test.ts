import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/load.js';
import { defaultSettings } from '../src/domain/settings.js';
import { useTempDir } from './support/temp.js';
import { currentContext } from '../src/wire/deps.js';

const tempDir = useTempDir();

function configFile(text: string): { dir: string; path: string } {
  const dir = tempDir();
  const path = join(dir, 'waiver.yaml');
  writeFileSync(path, text);
  return { dir, path };
}

describe('configuration', () => {
  it('defaults to the process document and the embedded store and folder', async () => {
    const config = await loadConfig({ as: 'alice' }, {});
    expect(config.settings).toEqual(defaultSettings);
    expect(config.settings).toMatchObject({
      maxDays: 30,
      reminderDays: 7,
      maxRenewals: 2,
      exceptionNamespace: 'policy-exceptions',
    });
    expect(config.database).toBe(join(process.cwd(), '.waiver', 'waiver.db'));
    expect(config.targets).toEqual({
      folder: { kind: 'directory', dir: join(process.cwd(), 'policy-exceptions'), createRoot: true },
    });
    expect(config.defaultTarget).toBe('folder');
    expect(Object.isFrozen(config) && Object.isFrozen(config.settings)).toBe(true);
  });

  it('takes the file, then the environment, then flags; file paths are relative to the file', async () => {
    const { dir, path } = configFile(
      'database: data/w.db\ntargetDir: gitops\nmaxDays: 14\nmetrics: {windowDays: 30}\n',
    );
    const fromFile = await loadConfig({ config: path, as: 'alice' }, {});
    expect(fromFile.database).toBe(join(dir, 'data', 'w.db'));
    expect(fromFile.targets['folder']).toEqual({
      kind: 'directory',
      dir: join(dir, 'gitops'),
      createRoot: false,
    });
    expect(fromFile.settings.maxDays).toBe(14);
    expect(fromFile.settings.metrics).toEqual({ ...defaultSettings.metrics, windowDays: 30 });

    const env = { WAIVER_CONFIG: path, WAIVER_DB: '/env/w.db', WAIVER_USER: 'env-user' };
    expect(await loadConfig({}, env)).toMatchObject({ database: '/env/w.db', user: 'env-user' });
    expect(await loadConfig({ db: '/flag/w.db', as: 'flag-user' }, env)).toMatchObject({
      database: '/flag/w.db',
      user: 'flag-user',
    });
  });

  it('reports every invalid key together, naming each', async () => {
    const { path } = configFile(
      'maxDays: -1\nreminderDays: soon\ncolour: blue\nmaxDaysByCategory: {hurry: 3}\n',
    );
    let message = '';
    try {
      await loadConfig({ config: path, as: 'alice' }, {});
    } catch (e) {
      expect(e).toMatchObject({ code: 'usage' });
      message = (e as Error).message;
    }
    for (const field of ['maxDays', 'reminderDays', 'colour', 'maxDaysByCategory'])
      expect(message).toContain(field);
  });

  it('says each problem of the file in words: the field, the rule, the field meant', async () => {
    const { path } = configFile(
      'maxDay: 3\nreminderDays: soon\nserver: { prot: 8080 }\nnotifications: { channels: { ops: { type: pager } } }\n',
    );
    const refused = await loadConfig({ config: path, as: 'alice' }, {}).then(
      () => undefined,
      (e: unknown) => e as { issues: { field: string }[]; message: string },
    );
    expect(refused?.issues.map((i) => i.field).sort()).toEqual([
      'maxDay',
      'notifications.channels.ops.type',
      'reminderDays',
      'server.prot',
    ]);
    expect(refused?.message.split('; ').sort()).toEqual([
      `maxDay: unknown field in ${path} (did you mean maxDays?)`,
      `notifications.channels.ops.type: 'pager' is not one of log, slack, teams, webhook, email (in ${path})`,
      `reminderDays: must be a number, not text 'soon' (in ${path})`,
      `server.prot: unknown field in ${path} (did you mean port?)`,
    ]);
  });

  it('refuses unreadable YAML and odd identities', async () => {
    const { path } = configFile('maxDays: [unclosed\n');
    await expect(loadConfig({ config: path, as: 'alice' }, {})).rejects.toThrow(/cannot read config/);
    await expect(loadConfig({ config: join(tempDir(), 'missing.yaml'), as: 'alice' }, {})).rejects.toThrow(
      /cannot read config/,
    );
    await expect(loadConfig({ as: 'alice; rm -rf /' }, {})).rejects.toThrow(
      expect.objectContaining({ field: 'as' }) as Error,
    );
  });

  it('reads the server, OIDC, cluster and database parts, none of which become process settings', async () => {
    const { dir, path } = configFile(
      [
        'database: postgres://waiver@db.internal/waiver',
        'server: {host: 0.0.0.0, port: 9090, sweepIntervalSeconds: 30}',
        'kubernetes: {kubeconfig: kube/config, context: prod}',
        'oidc:',
        '  issuer: https://login.example.com',
        '  audience: waiver',
        '  jwksFile: keys.json',
        '  roleMap: {security: [approver]}',
        '',
      ].join('\n'),
    );
    const config = await loadConfig({ config: path, as: 'alice' }, {});
    expect(config.settings).toEqual(defaultSettings);
    expect(config.database).toBe('postgres://waiver@db.internal/waiver');
    expect(config.server).toMatchObject({
      host: '0.0.0.0',
      port: 9090,
      sweepIntervalSeconds: 30,
      failedAuthPerMinute: 20,
    });
    // The one-target shorthand's cluster is named by its context.
    expect(config.targets).toEqual({
      prod: { kind: 'cluster', kubeconfig: join(dir, 'kube', 'config'), context: 'prod' },
    });
    expect(config.defaultTarget).toBe('prod');
    expect(config.oidc?.jwksFile).toBe(join(dir, 'keys.json'));
    const env = { WAIVER_DATABASE_URL: 'postgres://env/db', WAIVER_PORT: '7070' };
    expect(await loadConfig({ config: path, as: 'a' }, env)).toMatchObject({
      database: 'postgres://env/db',
      server: { port: 7070 },
    });
    expect((await loadConfig({ config: path, as: 'a', context: 'test' }, env)).targets['test']).toMatchObject(
      {
        context: 'test',
      },
    );
  });

  it('never points at a cluster because of KUBECONFIG alone, and checks remote mode and the port', async () => {
    expect((await loadConfig({ as: 'alice' }, { KUBECONFIG: '/somewhere' })).targets).toEqual({
      folder: expect.objectContaining({ kind: 'directory' }),
    });
    // As a kubectl plugin the cluster is required: a missing one is said before any command runs.
    expect((await loadConfig({ as: 'alice', kubectlPlugin: true, context: 'kind' }, {})).targets).toEqual({
      kind: { kind: 'cluster', kubeconfig: undefined, context: 'kind', required: true },
    });
    // Named by no context, the cluster is named by the kubeconfig's current one: a missing file is refused.
    await expect(
      loadConfig({ as: 'alice', kubectlPlugin: true, kubeconfig: '/nowhere/kubeconfig' }, {}, currentContext),
    ).rejects.toMatchObject({ code: 'usage', field: 'kubeconfig' });
    const { path: kubeconfig } = configFile(
      'apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "https://127.0.0.1:6443"}}]\nusers: [{name: u, user: {token: t}}]\ncontexts: [{name: kind-dev, context: {cluster: c, user: u}}]\ncurrent-context: kind-dev\n',
    );
    expect(Object.keys((await loadConfig({ as: 'a', kubeconfig }, {}, currentContext)).targets)).toEqual([
      'kind-dev',
    ]);
    expect((await loadConfig({ as: 'alice', kubectlPlugin: true, targetDir: '/g' }, {})).targets).toEqual({
      folder: { kind: 'directory', dir: '/g', createRoot: false },
    });
    await expect(loadConfig({ server: 'ftp://x' }, {})).rejects.toMatchObject({
      code: 'usage',
      field: 'server',
    });
    await expect(loadConfig({ server: 'http://x' }, {})).rejects.toMatchObject({
      code: 'usage',
      field: 'token',
    });
    expect((await loadConfig({}, { WAIVER_SERVER: 'https://w.example/', WAIVER_TOKEN: 't' })).remote).toEqual(
      {
        url: 'https://w.example',
        token: 't',
      },
    );
    expect((await loadConfig({ as: 'a' }, {})).statementTimeoutSeconds).toBe(20);
    const timed = await loadConfig(
      {
        config: configFile('database: {url: "postgres://w@db/w", statementTimeoutSeconds: 5}\n').path,
        as: 'a',
      },
      {},
    );
    expect(timed).toMatchObject({ database: 'postgres://w@db/w', statementTimeoutSeconds: 5 });
    await expect(
      loadConfig({ config: configFile('database: {statementTimeoutSeconds: 0}\n').path, as: 'a' }, {}),
    ).rejects.toMatchObject({
      code: 'usage',
      message: expect.stringContaining('database.statementTimeoutSeconds'),
    });
    expect((await loadConfig({ as: 'a' }, {})).sqliteSynchronous).toBe('normal');
    expect(
      (await loadConfig({ config: configFile('sqliteSynchronous: full\n').path, as: 'a' }, {}))
        .sqliteSynchronous,
    ).toBe('full');
    await expect(
      loadConfig({ config: configFile('sqliteSynchronous: off\n').path, as: 'a' }, {}),
    ).rejects.toMatchObject({ code: 'usage', field: 'sqliteSynchronous' });
    // --as is local mode's: the server knows the caller by the token.
    await expect(loadConfig({ as: 'bob', server: 'http://x', token: 't' }, {})).rejects.toMatchObject({
      code: 'usage',
      field: 'as',
    });
    for (const port of ['80a', '65536', '99999'])
      await expect(loadConfig({ as: 'a' }, { WAIVER_PORT: port })).rejects.toMatchObject({
        field: 'WAIVER_PORT',
      });
    expect((await loadConfig({ as: 'a' }, { WAIVER_PORT: '65535' })).server.port).toBe(65535);
    const { path } = configFile('oidc: {issuer: https://i, audience: a, roleMap: {}}\n');
    await expect(loadConfig({ config: path, as: 'a' }, {})).rejects.toMatchObject({ code: 'usage' });
  });
  it('reads notification channels with their secrets from the environment and files', async () => {
    const { dir, path } = configFile(
      [
        'server: { publicUrl: https://waiver.example.com }',
        'notifications:',
        '  channels:',
        '    slack: { type: slack, url: { env: SLACK_URL } }',
        '    hook: { type: webhook, url: https://hooks.example.com/waiver, secret: { file: hook-secret } }',
        '    mail: { type: email, host: smtp.example.com, from: waiver@example.com, password: { env: SMTP_PASSWORD }, user: waiver }',
        '  groups: { approvers: [bob] }',
      ].join('\n'),
    );
    const secret = `whsec_${Buffer.from('thirty-two bytes of secret key!!').toString('base64')}`;
    writeFileSync(join(dir, 'hook-secret'), `${secret}\n`);
    const config = await loadConfig(
      { config: path, as: 'alice' },
      { SLACK_URL: 'https://hooks.slack.com/services/T/B/x', SMTP_PASSWORD: 'pw' },
    );
    expect(config.notifications.channels).toEqual([
      { name: 'slack', type: 'slack', url: 'https://hooks.slack.com/services/T/B/x', timeoutMs: 10_000 },
      { name: 'hook', type: 'webhook', url: 'https://hooks.example.com/waiver', secret, timeoutMs: 10_000 },
      expect.objectContaining({
        name: 'mail',
        smtp: expect.objectContaining({ port: 587, starttls: 'required', password: 'pw' }) as unknown,
      }),
      { name: 'log', type: 'log' },
    ]);
    expect(config.notifications.publicUrl).toBe('https://waiver.example.com');
    // Channels and no routes: every event to every configured channel.
    expect(config.notificationRouting.routes).toEqual([{ channels: ['slack', 'hook', 'mail'] }]);
    expect(config.notificationRouting.groups.approvers).toEqual(['bob']);
  });

  it('refuses a bad channel at start-up in one line naming the key, never printing a secret', async () => {
    const refusal = async (yaml: string, env: Record<string, string> = {}) => {
      const { path } = configFile(yaml);
      try {
        await loadConfig({ config: path, as: 'alice' }, env);
      } catch (e) {
        expect(e).toMatchObject({ code: 'usage' });
        return (e as Error).message;
      }
      throw new Error('accepted');
    };
    const slack = (url: string) => `notifications: { channels: { s: { type: slack, url: ${url} } } }`;
    expect(await refusal(slack('{ env: SLACK_URL }'))).toBe(
      'notifications.channels.s.url reads the environment variable SLACK_URL, which is not set',
    );
    expect(await refusal(slack('https://hooks.slack.com/services/T/B/secret'))).toMatch(
      /notifications\.channels\.s\.url.*is a secret: give \{ env: VARIABLE \} or \{ file: PATH \}/,
    );
    expect(await refusal(slack('https://hooks.slack.com/services/T/B/secret'))).not.toContain('T/B/secret');
    expect(await refusal(slack('{ env: SLACK_URL }'), { SLACK_URL: 'not a url' })).toBe(
      'notifications.channels.s.url must hold an http(s) URL',
    );
    expect(
      await refusal(
        'notifications: { channels: { h: { type: webhook, url: "https://x.example", secret: { env: S } } } }',
        {
          S: 'plain-password',
        },
      ),
    ).toMatch(/^notifications\.channels\.h\.secret must hold a Standard Webhooks secret/);
    expect(
      await refusal(
        'notifications: { claimSeconds: 10, channels: { s: { type: slack, url: { env: U }, timeoutSeconds: 20 } } }',
        { U: 'https://hooks.slack.com/services/T/B/x' },
      ),
    ).toBe(
      "notifications.claimSeconds must be longer than every channel's timeout (the longest is 20 s): a claim must outlive the delivery it covers",
    );
    expect(await refusal('notifications: { routes: [{ channels: [slack] }] }')).toBe(
      'notifications.routes.0.channels.0 names "slack", which is not among notifications.channels (log)',
    );
    expect(await refusal('notifications: { channels: { p: { type: pager } } }')).toContain(
      'notifications.channels.p',
    );
    expect(await refusal(slack('{ file: missing-file }'))).toMatch(
      /^notifications\.channels\.s\.url cannot read .*missing-file/,
    );
  });

  it('reads named targets: paths relative to the file, secrets from the environment, the first as default', async () => {
    const { dir, path } = configFile(
      [
        'targets:',
        '  prod-eu: {cluster: {kubeconfig: kube/eu, context: prod-eu, attempts: 2}}',
        '  gitops:',
        '    git:',
        '      repository: repos/gitops.git',
        '      path: clusters/prod/',
        '      token: {env: GITOPS_TOKEN}',
        '      pullRequests: {forge: gitlab, api: "https://gitlab.example.com/api/v4/", project: platform/gitops, token: {env: GITLAB_TOKEN}}',
        '  remote: {git: {repository: "git@github.com:platform/gitops.git"}}',
        '  archive: {directory: {path: archive}}',
        '',
      ].join('\n'),
    );
    const env = { GITOPS_TOKEN: 'push-secret', GITLAB_TOKEN: 'api-secret', WAIVER_TARGET_DIR: '/ignored' };
    const config = await loadConfig({ config: path, as: 'alice' }, env);
    expect(config.defaultTarget).toBe('prod-eu');
    expect(Object.keys(config.targets)).toEqual(['prod-eu', 'gitops', 'remote', 'archive']);
    expect(config.targets['prod-eu']).toEqual({
      kind: 'cluster',
      kubeconfig: join(dir, 'kube', 'eu'),
      context: 'prod-eu',
      attempts: 2,
    });
    expect(config.targets['gitops']).toMatchObject({
      kind: 'git',
      repository: join(dir, 'repos', 'gitops.git'),
      branch: 'main',
      path: 'clusters/prod',
      token: 'push-secret',
      pullRequests: { forge: 'gitlab', api: 'https://gitlab.example.com/api/v4', token: 'api-secret' },
    });
    expect(config.targets['remote']).toMatchObject({ repository: 'git@github.com:platform/gitops.git' });
    expect(config.targets['archive']).toEqual({
      kind: 'directory',
      dir: join(dir, 'archive'),
      createRoot: false,
    });
    // The one-target shorthand's flags are refused beside named targets, each by its name.
    await expect(loadConfig({ config: path, as: 'a', context: 'prod-eu' }, env)).rejects.toMatchObject({
      code: 'usage',
      field: 'context',
    });
    await expect(loadConfig({ config: path, as: 'a', targetDir: '/x' }, env)).rejects.toMatchObject({
      field: 'targetDir',
    });
    await expect(loadConfig({ config: path, as: 'a' }, {})).rejects.toMatchObject({
      field: 'targets.gitops.git.token',
    });
  });
});
