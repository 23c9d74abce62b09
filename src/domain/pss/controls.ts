import { RESTRICTED_VOLUMES } from './checks.js';

/**
 * Kyverno's names for the Pod Security controls and the upstream checks behind each
 * (pkg/pss/utils/mapping.go, PSS_control_name_to_ids): an exemption names a control, and removes the
 * failures of every check the control maps to.
 */
export const CONTROL_CHECKS: Readonly<Record<string, readonly string[]>> = {
  Capabilities: ['capabilities_baseline', 'capabilities_restricted'],
  Seccomp: ['seccompProfile_baseline', 'seccompProfile_restricted'],
  'Privileged Containers': ['privileged'],
  'Host Ports': ['hostPorts'],
  '/proc Mount Type': ['procMount'],
  HostProcess: ['windowsHostProcess'],
  SELinux: ['seLinuxOptions'],
  'Host Namespaces': ['hostNamespaces'],
  'HostPath Volumes': ['hostPathVolumes'],
  Sysctls: ['sysctls'],
  AppArmor: ['appArmorProfile'],
  'Privilege Escalation': ['allowPrivilegeEscalation'],
  'Running as Non-root': ['runAsNonRoot'],
  'Running as Non-root user': ['runAsUser'],
  'Volume Types': ['restrictedVolumes'],
};

/**
 * The control a check reports under. Two checks have no name in Kyverno's mapping, so no exemption can
 * remove them: upstream's `hostProbesAndHostLifecycle` (v1.34) and Kubernetes' `procMount_restricted`
 * (v1.35, not in Kyverno's fork); they take the titles of the Pod Security Standards page.
 */
export function controlOf(check: string): string {
  for (const [control, checks] of Object.entries(CONTROL_CHECKS)) if (checks.includes(check)) return control;
  if (check === 'hostProbesAndHostLifecycle') return 'Host Probes / Lifecycle Hooks';
  if (check === 'procMount_restricted') return '/proc Mount Type';
  return check;
}

const IN_CONTAINERS = ['initContainers', 'containers', 'ephemeralContainers'].map((l) => `spec.${l}[*]`);
const containers = (...suffixes: string[]): string[] =>
  IN_CONTAINERS.flatMap((c) => suffixes.map((s) => `${c}.${s}`));
/** The restricted volume types, and `unknown` for a volume without a source. */
const VOLUME_TYPES = [...RESTRICTED_VOLUMES, 'unknown'];

/**
 * Every field (Kyverno's notation) a control's checks report, so every `restrictedField` that can ever
 * match: an entry naming another field exempts nothing. Annotation fields end in the annotation's key,
 * digits as `*`, so they are given as prefixes ending in `/`.
 */
export const CONTROL_FIELDS: Readonly<Record<string, readonly string[]>> = {
  Capabilities: containers('securityContext.capabilities.add', 'securityContext.capabilities.drop'),
  Seccomp: [
    'spec.securityContext.seccompProfile.type',
    ...containers('securityContext.seccompProfile.type'),
    'metadata.annotations[seccomp.security.alpha.kubernetes.io/pod]',
    'metadata.annotations[container.seccomp.security.alpha.kubernetes.io/',
  ],
  'Privileged Containers': containers('securityContext.privileged'),
  'Host Ports': containers('ports[*].hostPort'),
  '/proc Mount Type': containers('securityContext.procMount'),
  HostProcess: [
    'spec.securityContext.windowsOptions.hostProcess',
    ...containers('securityContext.windowsOptions.hostProcess'),
  ],
  SELinux: ['type', 'user', 'role'].flatMap((k) => [
    `spec.securityContext.seLinuxOptions.${k}`,
    ...containers(`securityContext.seLinuxOptions.${k}`),
  ]),
  'Host Namespaces': ['spec.hostNetwork', 'spec.hostPID', 'spec.hostIPC'],
  'HostPath Volumes': ['spec.volumes[*].hostPath'],
  Sysctls: ['spec.securityContext.sysctls[*].name'],
  AppArmor: [
    'spec.securityContext.appArmorProfile.type',
    ...containers('securityContext.appArmorProfile.type'),
    'metadata.annotations[container.apparmor.security.beta.kubernetes.io/',
  ],
  'Privilege Escalation': containers('securityContext.allowPrivilegeEscalation'),
  'Running as Non-root': ['spec.securityContext.runAsNonRoot', ...containers('securityContext.runAsNonRoot')],
  'Running as Non-root user': ['spec.securityContext.runAsUser', ...containers('securityContext.runAsUser')],
  'Volume Types': VOLUME_TYPES.map((t) => `spec.volumes[*].${t}`),
};

/** Whether a control's checks can ever report this field (an annotation field by its prefix). */
export const controlReports = (control: string, field: string): boolean =>
  (CONTROL_FIELDS[control] ?? []).some((f) => (f.endsWith('/') ? field.startsWith(f) : f === field));
