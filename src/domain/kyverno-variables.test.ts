import { describe, expect, it } from 'vitest';
import { substitute, UNKNOWN } from './kyverno-variables.js';

const object = { metadata: { name: 'web', labels: { color: 'blue', tier: '3' } }, spec: { replicas: 3 } };
const scope = { object, namespace: 'payments', nowMs: Date.parse('2026-11-30T12:00:00.750Z') };

describe("Kyverno's variable substitution in exception conditions", () => {
  it('gives one whole variable its typed value and splices variables into longer text', () => {
    expect(substitute('{{ request.object.spec.replicas }}', scope)).toBe(3);
    expect(substitute("{{ request.object.metadata.labels.color == 'blue' }}", scope)).toBe(true);
    expect(
      substitute('app-{{ request.object.metadata.name }}-{{ request.object.spec.replicas }}', scope),
    ).toBe('app-web-3');
    expect(substitute('{{ request.namespace }}', scope)).toBe('payments');
    expect(substitute(['{{ request.object.metadata.name }}', 'x'], scope)).toEqual(['web', 'x']);
  });

  it('substitutes innermost first, as the expiry condition relies on', () => {
    expect(substitute("{{ time_before('{{ time_now_utc() }}', '2026-12-01T00:00:00Z') }}", scope)).toBe(true);
    expect(substitute('{{ time_now_utc() }}', scope)).toBe('2026-11-30T12:00:00Z');
    expect(substitute("{{ time_after('2026-11-30T12:00:01Z', time_now_utc()) }}", scope)).toBe(true);
  });

  it("errors where Kyverno's evaluation errors: a missing key, a time that is not RFC 3339", () => {
    expect(substitute('{{ request.object.metadata.labels.size }}', scope)).toBeInstanceOf(Error);
    expect(substitute("{{ request.object.metadata.labels.size || '' }}", scope)).toBe('');
    expect(substitute("{{ time_before(time_now_utc(), '2026-12-01') }}", scope)).toBeInstanceOf(Error);
    expect(substitute('{{ request.object.[ }}', scope)).toBeInstanceOf(Error);
  });

  it('evaluates the Kyverno functions exceptions use', () => {
    expect(substitute("{{ lookup(request.object.metadata.labels, 'tier') }}", scope)).toBe('3');
    expect(substitute('{{ to_string(request.object.spec.replicas) }}', scope)).toBe('3');
    expect(substitute('{{ to_upper(request.object.metadata.name) }}', scope)).toBe('WEB');
    expect(substitute("{{ regex_match('^w.b$', request.object.metadata.name) }}", scope)).toBe(true);
  });

  it('is unknown for what is not given and for functions it does not evaluate', () => {
    expect(substitute('{{ request.operation }}', scope)).toBe(UNKNOWN);
    expect(substitute('{{ request.userInfo.username }}', scope)).toBe(UNKNOWN);
    expect(substitute("{{ images.containers.*.registry | contains(@, 'ghcr.io') }}", scope)).toBe(UNKNOWN);
    expect(substitute("{{ x509_decode('abc') }}", scope)).toBe(UNKNOWN);
    expect(substitute('{{ time_now_utc() }}', { object })).toBe(UNKNOWN);
    expect(substitute('{{ request.object.metadata.name }}', {})).toBe(UNKNOWN);
  });
});
