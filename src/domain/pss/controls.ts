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
