/** The Pod Security Standard controls a PolicyException's `podSecurity` may name (Kyverno pkg/pss/utils). */
const BASELINE = [
  'HostProcess',
  'Host Namespaces',
  'Privileged Containers',
  'Capabilities',
  'HostPath Volumes',
  'Host Ports',
  'AppArmor',
  'SELinux',
  '/proc Mount Type',
  'Seccomp',
  'Sysctls',
];
const RESTRICTED = [
  'Volume Types',
  'Privilege Escalation',
  'Running as Non-root',
  'Running as Non-root user',
  'Seccomp',
  'Capabilities',
];

export const PSS_CONTROLS: ReadonlySet<string> = new Set([...BASELINE, ...RESTRICTED]);

/**
 * Controls judged per pod: an exception for one must not name images (Kyverno's PSS_pod_level_control;
 * AppArmor is not among them: it has container fields too, and Kyverno admits images for it).
 */
export const PSS_POD_LEVEL: ReadonlySet<string> = new Set([
  'Host Namespaces',
  'HostPath Volumes',
  'Sysctls',
  'Volume Types',
]);

/** Controls judged per container: an exception for one must name the images it exempts. */
export const PSS_CONTAINER_LEVEL: ReadonlySet<string> = new Set([
  'Capabilities',
  'Privileged Containers',
  'Host Ports',
  '/proc Mount Type',
  'Privilege Escalation',
]);
