import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { renderCelPolicyException } from '../src/domain/render-cel.js';
import { manifestToYaml, renderPolicyException } from '../src/domain/render.js';
import { defaultSettings } from '../src/domain/settings.js';
import { hasKubectl } from './support/prerequisites.js';
import { activeRecord } from './support/records.js';

/**
 * The manifest as kubectl reads it: through sigs.k8s.io/yaml, a YAML 1.1 reader, offline
 * (`annotate --local` parses the file and prints the object without a server).
 */
function asKubectlReads(yaml: string): unknown {
  const run = spawnSync('kubectl', ['annotate', '--local', '-f', '-', 'checked=yes', '-o', 'json'], {
    input: yaml,
    encoding: 'utf8',
  });
  if (run.status !== 0) throw new Error(`kubectl: ${run.stderr}`);
  const read = JSON.parse(run.stdout) as { metadata: { annotations: Record<string, string> } };
  delete read.metadata.annotations['checked'];
  return read;
}

/** Valid namespace names and values that YAML 1.1 reads as booleans or numbers when they stand plain. */
const namespaces = ['y', 'n', 'yes', 'no', 'on', 'off', 'true', '0x10', '1e3'];

describe.runIf(hasKubectl())('manifests as kubectl reads them', () => {
  it('keeps namespaces named like YAML 1.1 booleans and numbers as strings', () => {
    const record = activeRecord({ id: 5, namespaces, names: ['on', 'y-*', '017'] });
    const manifest = renderPolicyException(record, defaultSettings);
    expect(asKubectlReads(manifestToYaml(manifest))).toEqual(JSON.parse(JSON.stringify(manifest)));
  });

  it('keeps a reason holding U+2028 and U+2029 one text, which kubectl would otherwise break', () => {
    for (const reason of ['migration\u2028tail: of the reason', 'two lines\nand a\u2029paragraph']) {
      const record = activeRecord({ id: 7, reason, riskAssessment: `risk\u2028${reason}` });
      const manifest = renderPolicyException(record, defaultSettings);
      expect(asKubectlReads(manifestToYaml(manifest))).toEqual(JSON.parse(JSON.stringify(manifest)));
    }
  });

  it('keeps allowed values such as yes, off and 1_000 as strings in a CEL exception', () => {
    const record = activeRecord({
      id: 6,
      policy: 'ValidatingPolicy/check-flags',
      namespaces: ['on'],
      allowedValues: ['yes', 'off', '1_000', '0b101', 'Y'],
    });
    const manifest = renderCelPolicyException(record, defaultSettings, 'policies.kyverno.io/v1');
    expect(asKubectlReads(manifestToYaml(manifest))).toEqual(JSON.parse(JSON.stringify(manifest)));
  });
});
