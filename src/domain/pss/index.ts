/**
 * The Kubernetes Pod Security Standards, evaluated: the checks of `k8s.io/pod-security-admission`
 * (baseline and restricted, by version) and Kyverno's podSecurity rules and exemptions over them.
 */
export {
  checkPod,
  exemptionsOf,
  podSecurityResult,
  type PodCheck,
  type PodSecurityExemption,
  type PodSecurityResult,
  type PodSecurityRule,
  type PssFailedField,
  type PssFailure,
} from './evaluate.js';
export { CONTROL_CHECKS, controlOf } from './controls.js';
export { podOf, type PodUnderCheck } from './pod.js';
export {
  KUBERNETES_MAX_MINOR,
  KYVERNO_MAX_MINOR,
  LEVELS,
  parseLevelVersion,
  type Engine,
  type Level,
  type Version,
} from './registry.js';
