import { describe, expect, it } from 'vitest';
import { kubernetesCel, toCel } from './cel-kubernetes.js';
import { celAutogen, evaluateValidatingPolicy } from './cel-policy.js';

const run = (expression: string, vars: Record<string, unknown> = {}): unknown =>
  kubernetesCel().evaluate(expression, toCel(vars) as Record<string, unknown>);

/** Cases from https://kubernetes.io/docs/reference/using-api/cel/ (the library tables' examples). */
describe('the Kubernetes CEL libraries', () => {
  it.each([
    ['"hello".charAt(1)', 'e'],
    ['"hello".upperAscii()', 'HELLO'],
    ['"HeLLo".lowerAscii()', 'hello'],
    ['"a-b-c".replace("-", "+")', 'a+b+c'],
    ['"a-b-c".replace("-", "+", 1)', 'a+b-c'],
    ['"a,b,c".split(",")', ['a', 'b', 'c']],
    ['"a,b,c".split(",", 2)', ['a', 'b,c']],
    ['"a,b,c".split(",", 0)', []],
    ['"  x ".trim()', 'x'],
    ['"hello".substring(1, 3)', 'el'],
    ['"hello".indexOf("l")', 2n],
    ['"hello".lastIndexOf("l")', 3n],
    ['["a", "b"].join("-")', 'a-b'],
    ['"abc".reverse()', 'cba'],
  ])('strings: %s', (e, want) => {
    expect(run(e)).toEqual(want);
  });

  it.each([
    ['"abc 123".find("[0-9]+")', '123'],
    ['"abc".find("[0-9]+")', ''],
    ['"1 2 3".findAll("[0-9]")', ['1', '2', '3']],
    ['"1 2 3".findAll("[0-9]", 2)', ['1', '2']],
    ['"nginx:1.2".matches("^nginx:[0-9.]+$")', true],
    ['matches("ABC", "(?i)abc")', true],
  ])('regex: %s', (e, want) => {
    expect(run(e)).toEqual(want);
  });

  it('refuses what RE2 refuses', () => {
    expect(() => run('"ab".find("a(?=b)")')).toThrow(/RE2/);
    expect(() => run('matches("aa", "(a)\\\\1")')).toThrow(/RE2/);
  });

  it.each([
    ['[1, 2, 3].isSorted()', true],
    ['[3, 1].isSorted()', false],
    ['[1, 2, 3].sum()', 6n],
    ['[1, 2, 3].min()', 1n],
    ['[1, 2, 3].max()', 3n],
    ['[1, 2, 1].indexOf(1)', 0n],
    ['[1, 2, 1].lastIndexOf(1)', 2n],
    ['[1, 2, 3, 4].slice(1, 3)', [2n, 3n]],
    ['[[1], [2, 3]].flatten()', [1n, 2n, 3n]],
    ['[1, 1, 2].distinct()', [1n, 2n]],
    ['[3, 1, 2].sort()', [1n, 2n, 3n]],
  ])('lists: %s', (e, want) => {
    expect(run(e)).toEqual(want);
  });

  it.each([
    ['url("https://example.com:8443/path?x=1").getScheme()', 'https'],
    ['url("https://example.com:8443/path?x=1").getHost()', 'example.com:8443'],
    ['url("https://example.com:8443/path?x=1").getHostname()', 'example.com'],
    ['url("https://example.com:8443/path?x=1").getPort()', '8443'],
    ['url("https://example.com/a%20b").getEscapedPath()', '/a%20b'],
    ['url("https://example.com/?k=a&k=b").getQuery()', { k: ['a', 'b'] }],
    ['url("/relative/path").getEscapedPath()', '/relative/path'],
    ['url("/relative/path").getHost()', ''],
    ['isURL("https://example.com")', true],
    ['isURL("not a url")', false],
  ])('URLs: %s', (e, want) => {
    expect(run(e)).toEqual(want);
  });

  it.each([
    ['quantity("1Gi").isGreaterThan(quantity("1000Mi"))', true],
    ['quantity("500m").isLessThan(quantity("1"))', true],
    ['quantity("1Gi").compareTo(quantity("1024Mi"))', 0n],
    ['quantity("2").sign()', 1n],
    ['quantity("-2").sign()', -1n],
    ['quantity("1k").isInteger()', true],
    ['quantity("1k").asInteger()', 1000n],
    ['quantity("500m").isInteger()', false],
    ['quantity("1.5").asApproximateFloat()', 1.5],
    ['quantity("1").add(quantity("500m")).compareTo(quantity("1500m"))', 0n],
    ['quantity("1").add(2).asInteger()', 3n],
    ['quantity("2Gi").sub(quantity("1Gi")).compareTo(quantity("1Gi"))', 0n],
    ['quantity("2").sub(1).asInteger()', 1n],
    ['isQuantity("1Gi")', true],
    ['isQuantity("1 Gi")', false],
  ])('quantities: %s', (e, want) => {
    expect(run(e)).toEqual(want);
  });

  it('a bad quantity is an error', () => {
    expect(() => run('quantity("x")')).toThrow(/quantities/);
    expect(() => run('quantity("500m").asInteger()')).toThrow();
  });

  it('objects: JSON integers are ints, has() and optional fields work', () => {
    const object = { spec: { replicas: 3, ratio: 0.5, containers: [{ name: 'a' }] } };
    expect(run('object.spec.replicas > 2', { object })).toBe(true);
    expect(run('object.spec.replicas == 3', { object })).toBe(true);
    expect(run('object.spec.ratio < 1.0', { object })).toBe(true);
    expect(run('has(object.spec.hostNetwork)', { object })).toBe(false);
    expect(run('object.spec.?hostNetwork.orValue(false)', { object })).toBe(false);
    expect(run('object.spec.containers.all(c, c.name.startsWith("a"))', { object })).toBe(true);
  });
});

const vpol = (spec: Record<string, unknown>) => spec;
const pod = (extra: Record<string, unknown> = {}) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'p', namespace: 'prod', labels: { app: 'web' } },
  spec: { containers: [{ name: 'a', image: 'nginx:1' }], ...extra },
});
const podsOnly = {
  resourceRules: [
    { apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['pods'] },
  ],
};

describe('ValidatingPolicy evaluation', () => {
  const noHostNetwork = vpol({
    matchConstraints: podsOnly,
    validations: [
      { expression: '!has(object.spec.hostNetwork) || object.spec.hostNetwork == false', message: 'x' },
    ],
  });

  it('fails and passes on the validations', () => {
    expect(evaluateValidatingPolicy('p', noHostNetwork, pod({ hostNetwork: true }), undefined).status).toBe(
      'fail',
    );
    expect(evaluateValidatingPolicy('p', noHostNetwork, pod(), undefined).status).toBe('pass');
  });

  it('a false matchCondition means the policy does not apply', () => {
    const spec = {
      ...noHostNetwork,
      matchConditions: [{ name: 'web', expression: 'object.metadata.labels.app == "db"' }],
    };
    expect(evaluateValidatingPolicy('p', spec, pod({ hostNetwork: true }), undefined).status).toBe('skip');
  });

  it('variables are read through variables.x', () => {
    const spec = vpol({
      matchConstraints: podsOnly,
      variables: [{ name: 'images', expression: 'object.spec.containers.map(c, c.image)' }],
      validations: [{ expression: 'variables.images.all(i, !i.endsWith(":latest"))' }],
    });
    expect(evaluateValidatingPolicy('p', spec, pod(), undefined).status).toBe('pass');
    const latest = pod({ containers: [{ name: 'a', image: 'a:latest' }] });
    expect(evaluateValidatingPolicy('p', spec, latest, undefined).status).toBe('fail');
  });

  it('namespaceObject is read when the Namespace is given, unknown otherwise', () => {
    const spec = vpol({
      matchConstraints: podsOnly,
      validations: [{ expression: 'namespaceObject.metadata.labels.tier == "gold"' }],
    });
    const ns = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'prod', labels: { tier: 'gold' } } };
    expect(evaluateValidatingPolicy('p', spec, pod(), ns).status).toBe('pass');
    expect(evaluateValidatingPolicy('p', spec, pod(), undefined).status).toBe('unknown');
  });

  it('a Deployment is checked through the autogen rewrite when the policy matches only Pods', () => {
    const deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'd', namespace: 'prod' },
      spec: { template: { metadata: {}, spec: { hostNetwork: true, containers: [] } } },
    };
    expect(evaluateValidatingPolicy('p', noHostNetwork, deployment, undefined).status).toBe('fail');
    const off = { ...noHostNetwork, autogen: { podControllers: { controllers: ['statefulsets'] } } };
    expect(evaluateValidatingPolicy('p', off, deployment, undefined).status).toBe('pass');
  });

  it('rewrites expressions as pkg/cel/autogen does, keeping the object namespace', () => {
    expect(
      celAutogen('object.spec.x && object.metadata.namespace == "a" && object.metadata.labels.b', 'defaults'),
    ).toBe(
      'object.spec.template.spec.x && object.metadata.namespace == "a" && object.spec.template.metadata.labels.b',
    );
    expect(celAutogen('oldObject.spec.y', 'cronjobs')).toBe(
      'oldObject.spec.jobTemplate.spec.template.spec.y',
    );
  });

  it('an expression that does not compile is unknown with a finding naming the policy and the expression', () => {
    const spec = vpol({ matchConstraints: podsOnly, validations: [{ expression: 'object.spec.(' }] });
    const outcome = evaluateValidatingPolicy('ValidatingPolicy broken', spec, pod(), undefined);
    expect(outcome.status).toBe('unknown');
    expect(outcome.status === 'unknown' && outcome.finding).toMatch(
      /ValidatingPolicy broken: validations\[0\] "object\.spec\.\(" does not compile/,
    );
  });

  it.each([
    ['request.operation == "CREATE"', /admission request/],
    ['resource.get("v1", "configmaps", "a", "b").data.x == "y"', /cluster or the network/],
    ['http.Get("https://x").ok', /cluster or the network/],
  ])('%s is unknown', (expression, why) => {
    const outcome = evaluateValidatingPolicy(
      'p',
      vpol({ matchConstraints: podsOnly, validations: [{ expression }] }),
      pod(),
      undefined,
    );
    expect(outcome.status).toBe('unknown');
    expect(outcome.message).toMatch(why);
  });

  it('a validation that errors at run time is an error, not a fail', () => {
    const spec = vpol({ matchConstraints: podsOnly, validations: [{ expression: 'object.spec.nope == 1' }] });
    expect(evaluateValidatingPolicy('p', spec, pod(), undefined).status).toBe('error');
  });
});
