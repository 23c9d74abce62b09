import { arr, containersOf, obj, str, type Json, type PodUnderCheck } from './pod.js';

/**
 * The Pod Security Standards checks of `k8s.io/pod-security-admission/policy`, one function per
 * upstream check function, with the field errors of Kyverno's fork of that package
 * (github.com/kyverno/pod-security-admission, `policy.WithFieldErrors()`): Kyverno's exemptions are
 * decided on those field paths and bad values, so they are kept exactly as the fork builds them.
 */

/** A `field.Error`: `Required` and `Forbidden` without a value carry the bad value `""`, as Go's do. */
export interface FieldError {
  type: 'Required' | 'Forbidden';
  field: string;
  badValue: string | boolean | number | readonly string[];
}

/** A failing check: upstream's reason and detail, and the fork's field errors (`null`: none kept). */
export interface CheckFailure {
  reason: string;
  detail: string;
  errors: FieldError[] | null;
}

export type CheckFn = (pod: PodUnderCheck) => CheckFailure | undefined;

const forbidden = (field: string, badValue: FieldError['badValue'] = ''): FieldError => ({
  type: 'Forbidden',
  field,
  badValue,
});
const required = (field: string): FieldError => ({ type: 'Required', field, badValue: '' });

const joinQuote = (items: readonly string[]): string => (items.length ? `"${items.join('", "')}"` : '');
const pluralize = (singular: string, plural: string, count: number): string =>
  count === 1 ? singular : plural;
/** Go's `sets.NewString(...).List()`: unique and sorted. */
const sortedSet = (items: Iterable<string>): string[] => [...new Set(items)].sort();
/** Go's `%q` for the strings these checks quote. */
const quote = (s: string): string => JSON.stringify(s);

const isWindows = (spec: Json): boolean => str(obj(spec['os'])?.['name']) === 'windows';
const podSecurityContext = (spec: Json): Json | undefined => obj(spec['securityContext']);
const annotations = (pod: PodUnderCheck): [string, string][] =>
  Object.entries(obj(pod.metadata['annotations']) ?? {}).map(([k, v]) => [k, str(v)]);

/** Upstream's user-namespace relaxation (v1.35+ in Kubernetes; Kyverno never switches it on). */
export const inUserNamespace = (spec: Json): boolean => spec['hostUsers'] === false;

export function allowPrivilegeEscalation1_8({ spec }: PodUnderCheck): CheckFailure | undefined {
  const bad: string[] = [];
  const errors: FieldError[] = [];
  for (const c of containersOf(spec)) {
    const path = `${c.path}.securityContext.allowPrivilegeEscalation`;
    const value = c.securityContext?.['allowPrivilegeEscalation'];
    if (!c.securityContext) errors.push(required(path));
    else if (typeof value !== 'boolean') errors.push(forbidden(path, 'nil'));
    else if (value) errors.push(forbidden(path, true));
    else continue;
    bad.push(c.name);
  }
  if (!bad.length) return undefined;
  return {
    reason: 'allowPrivilegeEscalation != false',
    detail: `${pluralize('container', 'containers', bad.length)} ${joinQuote(bad)} must set securityContext.allowPrivilegeEscalation=false`,
    errors,
  };
}

export const allowPrivilegeEscalation1_25: CheckFn = (pod) =>
  isWindows(pod.spec) ? undefined : allowPrivilegeEscalation1_8(pod);

const appArmorTypeAllowed = (t: string): boolean => t === 'RuntimeDefault' || t === 'Localhost';
const APPARMOR_ANNOTATION = 'container.apparmor.security.beta.kubernetes.io/';

export function appArmorProfile1_0(pod: PodUnderCheck): CheckFailure | undefined {
  const setters: string[] = [];
  const errors: FieldError[] = [];
  const badValues: string[] = [];
  const podProfile = obj(podSecurityContext(pod.spec)?.['appArmorProfile']);
  if (podProfile && !appArmorTypeAllowed(str(podProfile['type']))) {
    setters.push('pod');
    errors.push(forbidden('spec.securityContext.appArmorProfile.type', str(podProfile['type'])));
    badValues.push(str(podProfile['type']));
  }
  const badContainers: string[] = [];
  const containerErrors: FieldError[] = [];
  for (const c of containersOf(pod.spec)) {
    const profile = obj(c.securityContext?.['appArmorProfile']);
    if (profile && !appArmorTypeAllowed(str(profile['type']))) {
      badContainers.push(c.name);
      containerErrors.push(forbidden(`${c.path}.securityContext.appArmorProfile.type`, str(profile['type'])));
      badValues.push(str(profile['type']));
    }
  }
  if (badContainers.length) {
    setters.push(`${pluralize('container', 'containers', badContainers.length)} ${joinQuote(badContainers)}`);
    errors.push(...containerErrors);
  }
  const forbiddenAnnotations: string[] = [];
  const annotationErrors: FieldError[] = [];
  for (const [k, v] of annotations(pod)) {
    if (
      k.startsWith(APPARMOR_ANNOTATION) &&
      !(v === '' || v === 'runtime/default' || v.startsWith('localhost/'))
    ) {
      forbiddenAnnotations.push(`${k}=${quote(v)}`);
      annotationErrors.push(forbidden(`metadata.annotations[${k}]`, v));
    }
  }
  const valueList = sortedSet(badValues);
  if (forbiddenAnnotations.length) {
    forbiddenAnnotations.sort();
    valueList.push(...forbiddenAnnotations);
    setters.push(pluralize('annotation', 'annotations', forbiddenAnnotations.length));
    errors.push(...annotationErrors);
  }
  if (!setters.length) return undefined;
  return {
    reason: pluralize('forbidden AppArmor profile', 'forbidden AppArmor profiles', valueList.length),
    detail: `${setters.join(' and ')} must not set AppArmor profile type to ${joinQuote(valueList)}`,
    errors,
  };
}

const CAPABILITIES_BASELINE = new Set([
  'AUDIT_WRITE',
  'CHOWN',
  'DAC_OVERRIDE',
  'FOWNER',
  'FSETID',
  'KILL',
  'MKNOD',
  'NET_BIND_SERVICE',
  'SETFCAP',
  'SETGID',
  'SETPCAP',
  'SETUID',
  'SYS_CHROOT',
]);

const capabilitiesOf = (sc: Json | undefined): Json | undefined => obj(sc?.['capabilities']);
const strings = (v: unknown): string[] => arr(v).map(str);

export function capabilitiesBaseline1_0({ spec }: PodUnderCheck): CheckFailure | undefined {
  const bad: string[] = [];
  const errors: FieldError[] = [];
  const nonDefault: string[] = [];
  for (const c of containersOf(spec)) {
    const caps = capabilitiesOf(c.securityContext);
    if (!caps) continue;
    const forbiddenCaps = strings(caps['add']).filter((cap) => !CAPABILITIES_BASELINE.has(cap));
    if (!forbiddenCaps.length) continue;
    nonDefault.push(...forbiddenCaps);
    bad.push(c.name);
    errors.push(forbidden(`${c.path}.securityContext.capabilities.add`, sortedSet(forbiddenCaps)));
  }
  if (!bad.length) return undefined;
  return {
    reason: 'non-default capabilities',
    detail: `${pluralize('container', 'containers', bad.length)} ${joinQuote(bad)} must not include ${joinQuote(sortedSet(nonDefault))} in securityContext.capabilities.add`,
    errors,
  };
}

export function capabilitiesRestricted1_22({ spec }: PodUnderCheck): CheckFailure | undefined {
  const missingDrop: string[] = [];
  const missingDropErrors: FieldError[] = [];
  const adding: string[] = [];
  const addingErrors: FieldError[] = [];
  const forbiddenCaps: string[] = [];
  for (const c of containersOf(spec)) {
    const caps = capabilitiesOf(c.securityContext);
    const dropPath = `${c.path}.securityContext.capabilities.drop`;
    if (!caps) {
      missingDrop.push(c.name);
      missingDropErrors.push(required(dropPath));
      continue;
    }
    const drop = strings(caps['drop']);
    if (!drop.includes('ALL')) {
      missingDrop.push(c.name);
      missingDropErrors.push(drop.length ? forbidden(dropPath, sortedSet(drop)) : required(dropPath));
    }
    const added = strings(caps['add']).filter((cap) => cap !== 'NET_BIND_SERVICE');
    if (added.length) {
      forbiddenCaps.push(...added);
      adding.push(c.name);
      addingErrors.push(forbidden(`${c.path}.securityContext.capabilities.add`, sortedSet(added)));
    }
  }
  const details: string[] = [];
  if (missingDrop.length)
    details.push(
      `${pluralize('container', 'containers', missingDrop.length)} ${joinQuote(missingDrop)} must set securityContext.capabilities.drop=["ALL"]`,
    );
  if (adding.length)
    details.push(
      `${pluralize('container', 'containers', adding.length)} ${joinQuote(adding)} must not include ${joinQuote(sortedSet(forbiddenCaps))} in securityContext.capabilities.add`,
    );
  if (!details.length) return undefined;
  return {
    reason: 'unrestricted capabilities',
    detail: details.join('; '),
    errors: [...missingDropErrors, ...addingErrors],
  };
}

export const capabilitiesRestricted1_25: CheckFn = (pod) =>
  isWindows(pod.spec) ? undefined : capabilitiesRestricted1_22(pod);

export function hostNamespaces1_0({ spec }: PodUnderCheck): CheckFailure | undefined {
  const data: string[] = [];
  const errors: FieldError[] = [];
  for (const key of ['hostNetwork', 'hostPID', 'hostIPC'] as const) {
    if (spec[key] === true) {
      data.push(`${key}=true`);
      errors.push(forbidden(`spec.${key}`, true));
    }
  }
  if (!data.length) return undefined;
  return { reason: 'host namespaces', detail: data.join(', '), errors };
}

const volumesOf = (spec: Json): Json[] => arr(spec['volumes']).map((v) => obj(v) ?? {});
const has = (o: Json, key: string): boolean => obj(o[key]) !== undefined;

export function hostPathVolumes1_0({ spec }: PodUnderCheck): CheckFailure | undefined {
  const bad: string[] = [];
  const errors: FieldError[] = [];
  volumesOf(spec).forEach((volume, i) => {
    const hostPath = obj(volume['hostPath']);
    if (!hostPath) return;
    bad.push(str(volume['name']));
    errors.push(forbidden(`spec.volumes[${i}].hostPath`, str(hostPath['path'])));
  });
  if (!bad.length) return undefined;
  return {
    reason: 'hostPath volumes',
    detail: `${pluralize('volume', 'volumes', bad.length)} ${joinQuote(bad)}`,
    errors,
  };
}

export function hostPorts1_0({ spec }: PodUnderCheck): CheckFailure | undefined {
  const bad: string[] = [];
  const errors: FieldError[] = [];
  const ports: string[] = [];
  for (const c of containersOf(spec)) {
    let valid = true;
    arr(c.container['ports']).forEach((p, i) => {
      const hostPort = obj(p)?.['hostPort'];
      if (typeof hostPort === 'number' && hostPort !== 0) {
        valid = false;
        ports.push(String(hostPort));
        errors.push(forbidden(`${c.path}.ports[${i}].hostPort`, hostPort));
      }
    });
    if (!valid) bad.push(c.name);
  }
  if (!bad.length) return undefined;
  const unique = sortedSet(ports);
  return {
    reason: 'hostPort',
    detail: `${pluralize('container', 'containers', bad.length)} ${joinQuote(bad)} ${pluralize('uses', 'use', bad.length)} ${pluralize('hostPort', 'hostPorts', unique.length)} ${unique.join(', ')}`,
    errors,
  };
}

const hostsOf = (handler: Json | undefined): string[] =>
  handler
    ? [str(obj(handler['httpGet'])?.['host']), str(obj(handler['tcpSocket'])?.['host'])].filter(Boolean)
    : [];

/** The fork keeps no field errors for this check: Kyverno can exempt it by no control. */
export function hostProbesAndHostLifecycle1_34({ spec }: PodUnderCheck): CheckFailure | undefined {
  const bad = new Set<string>();
  const hosts = new Set<string>();
  for (const c of containersOf(spec)) {
    const lifecycle = obj(c.container['lifecycle']);
    const found = [
      ...hostsOf(obj(c.container['livenessProbe'])),
      ...hostsOf(obj(c.container['readinessProbe'])),
      ...hostsOf(obj(c.container['startupProbe'])),
      ...hostsOf(obj(lifecycle?.['postStart'])),
      ...hostsOf(obj(lifecycle?.['preStop'])),
    ];
    if (!found.length) continue;
    bad.add(c.name);
    found.forEach((h) => hosts.add(h));
  }
  if (!bad.size) return undefined;
  return {
    reason: 'probe or lifecycle host',
    detail: `${pluralize('container', 'containers', bad.size)} ${joinQuote([...bad].sort())} ${pluralize('uses', 'use', bad.size)} ${pluralize('probe or lifecycle host', 'probe or lifecycle hosts', hosts.size)} ${joinQuote([...hosts].sort())}`,
    errors: null,
  };
}

export function privileged1_0({ spec }: PodUnderCheck): CheckFailure | undefined {
  const bad: string[] = [];
  const errors: FieldError[] = [];
  for (const c of containersOf(spec)) {
    if (c.securityContext?.['privileged'] === true) {
      bad.push(c.name);
      errors.push(forbidden(`${c.path}.securityContext.privileged`, true));
    }
  }
  if (!bad.length) return undefined;
  return {
    reason: 'privileged',
    detail: `${pluralize('container', 'containers', bad.length)} ${joinQuote(bad)} must not set securityContext.privileged=true`,
    errors,
  };
}

export function procMount1_0({ spec }: PodUnderCheck): CheckFailure | undefined {
  const bad: string[] = [];
  const errors: FieldError[] = [];
  const types: string[] = [];
  for (const c of containersOf(spec)) {
    const procMount = c.securityContext?.['procMount'];
    if (typeof procMount !== 'string' || procMount === 'Default') continue;
    bad.push(c.name);
    errors.push(forbidden(`${c.path}.securityContext.procMount`, procMount));
    types.push(procMount);
  }
  if (!bad.length) return undefined;
  return {
    reason: 'procMount',
    detail: `${pluralize('container', 'containers', bad.length)} ${joinQuote(bad)} must not set securityContext.procMount to ${joinQuote(sortedSet(types))}`,
    errors,
  };
}

export const procMount1_35Baseline: CheckFn = (pod) =>
  inUserNamespace(pod.spec) ? undefined : procMount1_0(pod);

const ALLOWED_VOLUMES = [
  'configMap',
  'csi',
  'downwardAPI',
  'emptyDir',
  'ephemeral',
  'image',
  'persistentVolumeClaim',
  'projected',
  'secret',
];
/** In upstream's switch order: the first one set names the volume's type. */
export const RESTRICTED_VOLUMES = [
  'hostPath',
  'gcePersistentDisk',
  'awsElasticBlockStore',
  'gitRepo',
  'nfs',
  'iscsi',
  'glusterfs',
  'rbd',
  'flexVolume',
  'cinder',
  'cephfs',
  'flocker',
  'fc',
  'azureFile',
  'vsphereVolume',
  'quobyte',
  'azureDisk',
  'photonPersistentDisk',
  'portworxVolume',
  'scaleIO',
  'storageos',
];

/**
 * `defaulted`: the pod as admission receives it, after the API server has made a volume with no source
 * an emptyDir. Kyverno judges the object it is given: in the CLI or a file such a volume is `unknown`.
 */
const restrictedVolumes =
  (defaulted: boolean): CheckFn =>
  ({ spec }) => {
    const bad: string[] = [];
    const errors: FieldError[] = [];
    const types: string[] = [];
    volumesOf(spec).forEach((volume, i) => {
      if (ALLOWED_VOLUMES.some((t) => has(volume, t))) return;
      const type = RESTRICTED_VOLUMES.find((t) => has(volume, t));
      if (type === undefined && defaulted) return;
      bad.push(str(volume['name']));
      types.push(type ?? 'unknown');
      errors.push(forbidden(`spec.volumes[${i}].${type ?? 'unknown'}`));
    });
    if (!bad.length) return undefined;
    const unique = sortedSet(types);
    return {
      reason: 'restricted volume types',
      detail: `${pluralize('volume', 'volumes', bad.length)} ${joinQuote(bad)} ${pluralize('uses', 'use', bad.length)} ${pluralize('restricted volume type', 'restricted volume types', unique.length)} ${joinQuote(unique)}`,
      errors,
    };
  };

export const restrictedVolumes1_0 = restrictedVolumes(false);
export const restrictedVolumesDefaulted1_0 = restrictedVolumes(true);

export function runAsNonRoot1_0({ spec }: PodUnderCheck): CheckFailure | undefined {
  const setters: string[] = [];
  const setterErrors: FieldError[] = [];
  let podRunAsNonRoot = false;
  const podValue = podSecurityContext(spec)?.['runAsNonRoot'];
  if (podValue === false) {
    setters.push('pod');
    setterErrors.push(forbidden('spec.securityContext.runAsNonRoot', false));
  } else if (podValue === true) podRunAsNonRoot = true;
  const explicit: string[] = [];
  const explicitErrors: FieldError[] = [];
  const implicit: string[] = [];
  const implicitErrors: FieldError[] = [];
  for (const c of containersOf(spec)) {
    const value = c.securityContext?.['runAsNonRoot'];
    const path = `${c.path}.securityContext.runAsNonRoot`;
    if (typeof value === 'boolean') {
      if (!value) {
        explicit.push(c.name);
        explicitErrors.push(forbidden(path, false));
      }
    } else if (!podRunAsNonRoot) {
      implicit.push(c.name);
      implicitErrors.push(required(path));
    }
  }
  if (explicit.length) {
    setters.push(`${pluralize('container', 'containers', explicit.length)} ${joinQuote(explicit)}`);
    setterErrors.push(...explicitErrors);
  }
  const details: string[] = [];
  if (setters.length)
    details.push(`${setters.join(' and ')} must not set securityContext.runAsNonRoot=false`);
  if (implicit.length)
    details.push(
      `pod or ${pluralize('container', 'containers', implicit.length)} ${joinQuote(implicit)} must set securityContext.runAsNonRoot=true`,
    );
  if (!details.length) return undefined;
  return {
    reason: 'runAsNonRoot != true',
    detail: details.join('\n'),
    errors: [...setterErrors, ...implicitErrors],
  };
}

export const runAsNonRoot1_35: CheckFn = (pod) =>
  inUserNamespace(pod.spec) ? undefined : runAsNonRoot1_0(pod);

export function runAsUser1_23({ spec }: PodUnderCheck): CheckFailure | undefined {
  const setters: string[] = [];
  const errors: FieldError[] = [];
  if (podSecurityContext(spec)?.['runAsUser'] === 0) {
    setters.push('pod');
    errors.push(forbidden('spec.securityContext.runAsUser', 0));
  }
  const bad: string[] = [];
  for (const c of containersOf(spec)) {
    if (c.securityContext?.['runAsUser'] === 0) {
      bad.push(c.name);
      errors.push(forbidden(`${c.path}.securityContext.runAsUser`, 0));
    }
  }
  if (bad.length) setters.push(`${pluralize('container', 'containers', bad.length)} ${joinQuote(bad)}`);
  if (!setters.length) return undefined;
  return { reason: 'runAsUser=0', detail: `${setters.join(' and ')} must not set runAsUser=0`, errors };
}

export const runAsUser1_35: CheckFn = (pod) => (inUserNamespace(pod.spec) ? undefined : runAsUser1_23(pod));

const SELINUX_1_0 = new Set(['', 'container_t', 'container_init_t', 'container_kvm_t']);
const SELINUX_1_31 = new Set([...SELINUX_1_0, 'container_engine_t']);

function seLinuxOptions({ spec }: PodUnderCheck, allowed: ReadonlySet<string>): CheckFailure | undefined {
  const setters: string[] = [];
  const errors: FieldError[] = [];
  const badTypes: string[] = [];
  let setUser = false;
  let setRole = false;
  const judge = (options: Json, prefix: string, into: FieldError[]): boolean => {
    let valid = true;
    const type = str(options['type']);
    if (!allowed.has(type)) {
      valid = false;
      badTypes.push(type);
      into.push(forbidden(`${prefix}.seLinuxOptions.type`, type));
    }
    for (const key of ['user', 'role'] as const) {
      const value = str(options[key]);
      if (!value) continue;
      valid = false;
      if (key === 'user') setUser = true;
      else setRole = true;
      into.push(forbidden(`${prefix}.seLinuxOptions.${key}`, value));
    }
    return valid;
  };
  const podOptions = obj(podSecurityContext(spec)?.['seLinuxOptions']);
  if (podOptions) {
    const podErrors: FieldError[] = [];
    if (!judge(podOptions, 'spec.securityContext', podErrors)) {
      setters.push('pod');
      errors.push(...podErrors);
    }
  }
  const bad: string[] = [];
  const containerErrors: FieldError[] = [];
  for (const c of containersOf(spec)) {
    const options = obj(c.securityContext?.['seLinuxOptions']);
    if (options && !judge(options, `${c.path}.securityContext`, containerErrors)) bad.push(c.name);
  }
  if (bad.length) {
    setters.push(`${pluralize('container', 'containers', bad.length)} ${joinQuote(bad)}`);
    errors.push(...containerErrors);
  }
  if (!setters.length) return undefined;
  const data: string[] = [];
  const types = sortedSet(badTypes);
  if (types.length) data.push(`${pluralize('type', 'types', types.length)} ${joinQuote(types)}`);
  if (setUser) data.push('user may not be set');
  if (setRole) data.push('role may not be set');
  return {
    reason: 'seLinuxOptions',
    detail: `${setters.join(' and ')} set forbidden securityContext.seLinuxOptions: ${data.join('; ')}`,
    errors,
  };
}

export const seLinuxOptions1_0: CheckFn = (pod) => seLinuxOptions(pod, SELINUX_1_0);
export const seLinuxOptions1_31: CheckFn = (pod) => seLinuxOptions(pod, SELINUX_1_31);

const SECCOMP_POD_ANNOTATION = 'seccomp.security.alpha.kubernetes.io/pod';
const SECCOMP_CONTAINER_ANNOTATION = 'container.seccomp.security.alpha.kubernetes.io/';
const seccompAnnotationAllowed = (v: string): boolean =>
  v === 'runtime/default' || v === 'docker/default' || v.startsWith('localhost/');
const seccompTypeAllowed = (t: string): boolean => t === 'Localhost' || t === 'RuntimeDefault';

export function seccompProfileBaseline1_0(pod: PodUnderCheck): CheckFailure | undefined {
  const notes = obj(pod.metadata['annotations']) ?? {};
  const found = new Map<string, FieldError[]>();
  const judge = (key: string): void => {
    if (!Object.hasOwn(notes, key)) return;
    const value = str(notes[key]);
    if (seccompAnnotationAllowed(value)) return;
    const label = `${key}=${quote(value)}`;
    found.set(label, [...(found.get(label) ?? []), forbidden(`metadata.annotations[${key}]`, value)]);
  };
  judge(SECCOMP_POD_ANNOTATION);
  for (const c of containersOf(pod.spec)) judge(SECCOMP_CONTAINER_ANNOTATION + c.name);
  if (!found.size) return undefined;
  const labels = [...found.keys()].sort();
  return {
    reason: 'seccompProfile',
    detail: `forbidden ${pluralize('annotation', 'annotations', labels.length)} ${labels.join(', ')}`,
    errors: [...found.values()].flat(),
  };
}

export function seccompProfileBaseline1_19({ spec }: PodUnderCheck): CheckFailure | undefined {
  const setters: string[] = [];
  const errors: FieldError[] = [];
  const badValues: string[] = [];
  const podProfile = obj(podSecurityContext(spec)?.['seccompProfile']);
  if (podProfile && !seccompTypeAllowed(str(podProfile['type']))) {
    setters.push('pod');
    errors.push(forbidden('spec.securityContext.seccompProfile.type', str(podProfile['type'])));
    badValues.push(str(podProfile['type']));
  }
  const bad: string[] = [];
  const containerErrors: FieldError[] = [];
  for (const c of containersOf(spec)) {
    const profile = obj(c.securityContext?.['seccompProfile']);
    if (profile && !seccompTypeAllowed(str(profile['type']))) {
      bad.push(c.name);
      containerErrors.push(forbidden(`${c.path}.securityContext.seccompProfile.type`, str(profile['type'])));
      badValues.push(str(profile['type']));
    }
  }
  if (bad.length) {
    setters.push(`${pluralize('container', 'containers', bad.length)} ${joinQuote(bad)}`);
    errors.push(...containerErrors);
  }
  if (!setters.length) return undefined;
  return {
    reason: 'seccompProfile',
    detail: `${setters.join(' and ')} must not set securityContext.seccompProfile.type to ${joinQuote(sortedSet(badValues))}`,
    errors,
  };
}

export function seccompProfileRestricted1_19({ spec }: PodUnderCheck): CheckFailure | undefined {
  const setters: string[] = [];
  const setterErrors: FieldError[] = [];
  const badValues: string[] = [];
  let podSet = false;
  const podProfile = obj(podSecurityContext(spec)?.['seccompProfile']);
  if (podProfile) {
    if (!seccompTypeAllowed(str(podProfile['type']))) {
      setters.push('pod');
      setterErrors.push(forbidden('spec.securityContext.seccompProfile.type', str(podProfile['type'])));
      badValues.push(str(podProfile['type']));
    } else podSet = true;
  }
  const explicit: string[] = [];
  const explicitErrors: FieldError[] = [];
  const implicit: string[] = [];
  const implicitErrors: FieldError[] = [];
  for (const c of containersOf(spec)) {
    const profile = obj(c.securityContext?.['seccompProfile']);
    const path = `${c.path}.securityContext.seccompProfile.type`;
    if (profile) {
      if (!seccompTypeAllowed(str(profile['type']))) {
        explicit.push(c.name);
        explicitErrors.push(forbidden(path, str(profile['type'])));
        badValues.push(str(profile['type']));
      }
    } else if (!podSet) {
      implicit.push(c.name);
      implicitErrors.push(required(path));
    }
  }
  if (explicit.length) {
    setters.push(`${pluralize('container', 'containers', explicit.length)} ${joinQuote(explicit)}`);
    setterErrors.push(...explicitErrors);
  }
  // Upstream reports the explicit setters alone when there are any: the implicit ones wait their turn.
  if (setters.length)
    return {
      reason: 'seccompProfile',
      detail: `${setters.join(' and ')} must not set securityContext.seccompProfile.type to ${joinQuote(sortedSet(badValues))}`,
      errors: setterErrors,
    };
  if (implicit.length)
    return {
      reason: 'seccompProfile',
      detail: `pod or ${pluralize('container', 'containers', implicit.length)} ${joinQuote(implicit)} must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"`,
      errors: implicitErrors,
    };
  return undefined;
}

export const seccompProfileRestricted1_25: CheckFn = (pod) =>
  isWindows(pod.spec) ? undefined : seccompProfileRestricted1_19(pod);

const SYSCTLS_1_0 = [
  'kernel.shm_rmid_forced',
  'net.ipv4.ip_local_port_range',
  'net.ipv4.tcp_syncookies',
  'net.ipv4.ping_group_range',
  'net.ipv4.ip_unprivileged_port_start',
];
const SYSCTLS_1_27 = [...SYSCTLS_1_0, 'net.ipv4.ip_local_reserved_ports'];
const SYSCTLS_1_29 = [
  ...SYSCTLS_1_27,
  'net.ipv4.tcp_keepalive_time',
  'net.ipv4.tcp_fin_timeout',
  'net.ipv4.tcp_keepalive_intvl',
  'net.ipv4.tcp_keepalive_probes',
];
const SYSCTLS_1_32 = [...SYSCTLS_1_29, 'net.ipv4.tcp_rmem', 'net.ipv4.tcp_wmem'];
const SYSCTLS_1_37 = [...SYSCTLS_1_32, 'net.ipv4.tcp_slow_start_after_idle', 'net.ipv4.tcp_notsent_lowat'];

const sysctls =
  (allowed: readonly string[]): CheckFn =>
  ({ spec }) => {
    const bad: string[] = [];
    const errors: FieldError[] = [];
    arr(podSecurityContext(spec)?.['sysctls']).forEach((s, i) => {
      const name = str(obj(s)?.['name']);
      if (allowed.includes(name)) return;
      bad.push(name);
      errors.push(forbidden(`spec.securityContext.sysctls[${i}].name`, name));
    });
    return bad.length ? { reason: 'forbidden sysctls', detail: bad.join(', '), errors } : undefined;
  };

export const sysctls1_0 = sysctls(SYSCTLS_1_0);
export const sysctls1_27 = sysctls(SYSCTLS_1_27);
export const sysctls1_29 = sysctls(SYSCTLS_1_29);
export const sysctls1_32 = sysctls(SYSCTLS_1_32);
export const sysctls1_37 = sysctls(SYSCTLS_1_37);

export function windowsHostProcess1_0({ spec }: PodUnderCheck): CheckFailure | undefined {
  const hostProcess = (sc: Json | undefined): boolean =>
    obj(sc?.['windowsOptions'])?.['hostProcess'] === true;
  const bad: string[] = [];
  const containerErrors: FieldError[] = [];
  for (const c of containersOf(spec)) {
    if (!hostProcess(c.securityContext)) continue;
    bad.push(c.name);
    containerErrors.push(forbidden(`${c.path}.securityContext.windowsOptions.hostProcess`, true));
  }
  const setters: string[] = [];
  const errors: FieldError[] = [];
  if (hostProcess(podSecurityContext(spec))) {
    setters.push('pod');
    errors.push(forbidden('spec.securityContext.windowsOptions.hostProcess', true));
  }
  if (bad.length) {
    setters.push(`${pluralize('container', 'containers', bad.length)} ${joinQuote(bad)}`);
    errors.push(...containerErrors);
  }
  if (!setters.length) return undefined;
  return {
    reason: 'hostProcess',
    detail: `${setters.join(' and ')} must not set securityContext.windowsOptions.hostProcess=true`,
    errors,
  };
}
