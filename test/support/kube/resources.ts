/** The API resources the test API server serves: what Waiver and kubectl touch, nothing more. */
export interface ResourceType {
  group: string;
  version: string;
  plural: string;
  singular: string;
  kind: string;
  namespaced: boolean;
  shortNames?: string[];
  verbs?: string[];
}

const crud = ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'];

const policyException: ResourceType = {
  group: 'kyverno.io',
  version: 'v2',
  plural: 'policyexceptions',
  singular: 'policyexception',
  kind: 'PolicyException',
  namespaced: true,
  shortNames: ['polex'],
};

const celPolicyException: ResourceType = {
  group: 'policies.kyverno.io',
  version: 'v1',
  plural: 'policyexceptions',
  singular: 'policyexception',
  kind: 'PolicyException',
  namespaced: true,
  shortNames: ['celpolex'],
};

export const resourceTypes: ResourceType[] = [
  {
    group: '',
    version: 'v1',
    plural: 'namespaces',
    singular: 'namespace',
    kind: 'Namespace',
    namespaced: false,
    shortNames: ['ns'],
  },
  {
    group: 'apps',
    version: 'v1',
    plural: 'deployments',
    singular: 'deployment',
    kind: 'Deployment',
    namespaced: true,
    shortNames: ['deploy'],
  },
  {
    group: '',
    version: 'v1',
    plural: 'pods',
    singular: 'pod',
    kind: 'Pod',
    namespaced: true,
    shortNames: ['po'],
  },
  {
    group: '',
    version: 'v1',
    plural: 'configmaps',
    singular: 'configmap',
    kind: 'ConfigMap',
    namespaced: true,
    shortNames: ['cm'],
  },
  {
    group: 'apps',
    version: 'v1',
    plural: 'statefulsets',
    singular: 'statefulset',
    kind: 'StatefulSet',
    namespaced: true,
    shortNames: ['sts'],
  },
  {
    group: 'apps',
    version: 'v1',
    plural: 'daemonsets',
    singular: 'daemonset',
    kind: 'DaemonSet',
    namespaced: true,
    shortNames: ['ds'],
  },
  { group: 'batch', version: 'v1', plural: 'jobs', singular: 'job', kind: 'Job', namespaced: true },
  {
    group: 'batch',
    version: 'v1',
    plural: 'cronjobs',
    singular: 'cronjob',
    kind: 'CronJob',
    namespaced: true,
    shortNames: ['cj'],
  },
  {
    group: 'wgpolicyk8s.io',
    version: 'v1alpha2',
    plural: 'policyreports',
    singular: 'policyreport',
    kind: 'PolicyReport',
    namespaced: true,
    shortNames: ['polr'],
  },
  {
    group: 'wgpolicyk8s.io',
    version: 'v1alpha2',
    plural: 'clusterpolicyreports',
    singular: 'clusterpolicyreport',
    kind: 'ClusterPolicyReport',
    namespaced: false,
    shortNames: ['cpolr'],
  },
  {
    group: 'apps',
    version: 'v1',
    plural: 'replicasets',
    singular: 'replicaset',
    kind: 'ReplicaSet',
    namespaced: true,
    shortNames: ['rs'],
  },
  {
    group: 'openreports.io',
    version: 'v1alpha1',
    plural: 'reports',
    singular: 'report',
    kind: 'Report',
    namespaced: true,
  },
  {
    group: 'openreports.io',
    version: 'v1alpha1',
    plural: 'clusterreports',
    singular: 'clusterreport',
    kind: 'ClusterReport',
    namespaced: false,
  },
  {
    group: 'coordination.k8s.io',
    version: 'v1',
    plural: 'leases',
    singular: 'lease',
    kind: 'Lease',
    namespaced: true,
  },
  policyException,
  // The same objects served at the deprecated version too, as Kyverno 1.13-1.19 does.
  { ...policyException, version: 'v2beta1' },
  // The CEL PolicyException (Kyverno 1.15+), newest version first, and the CEL policies it refers to.
  celPolicyException,
  { ...celPolicyException, version: 'v1beta1' },
  {
    group: 'policies.kyverno.io',
    version: 'v1',
    plural: 'validatingpolicies',
    singular: 'validatingpolicy',
    kind: 'ValidatingPolicy',
    namespaced: false,
    shortNames: ['vpol'],
  },
  {
    group: 'policies.kyverno.io',
    version: 'v1',
    plural: 'imagevalidatingpolicies',
    singular: 'imagevalidatingpolicy',
    kind: 'ImageValidatingPolicy',
    namespaced: false,
    shortNames: ['ivpol'],
  },
  {
    group: 'kyverno.io',
    version: 'v1',
    plural: 'clusterpolicies',
    singular: 'clusterpolicy',
    kind: 'ClusterPolicy',
    namespaced: false,
    shortNames: ['cpol'],
  },
  {
    group: 'apiextensions.k8s.io',
    version: 'v1',
    plural: 'customresourcedefinitions',
    singular: 'customresourcedefinition',
    kind: 'CustomResourceDefinition',
    namespaced: false,
    shortNames: ['crd'],
  },
  {
    group: 'kyverno.io',
    version: 'v1',
    plural: 'policies',
    singular: 'policy',
    kind: 'Policy',
    namespaced: true,
    shortNames: ['pol'],
  },
  {
    group: 'rbac.authorization.k8s.io',
    version: 'v1',
    plural: 'clusterroles',
    singular: 'clusterrole',
    kind: 'ClusterRole',
    namespaced: false,
  },
  {
    group: 'admissionregistration.k8s.io',
    version: 'v1',
    plural: 'validatingadmissionpolicies',
    singular: 'validatingadmissionpolicy',
    kind: 'ValidatingAdmissionPolicy',
    namespaced: false,
  },
  {
    group: 'admissionregistration.k8s.io',
    version: 'v1',
    plural: 'validatingadmissionpolicybindings',
    singular: 'validatingadmissionpolicybinding',
    kind: 'ValidatingAdmissionPolicyBinding',
    namespaced: false,
  },
  {
    group: 'authorization.k8s.io',
    version: 'v1',
    plural: 'selfsubjectaccessreviews',
    singular: 'selfsubjectaccessreview',
    kind: 'SelfSubjectAccessReview',
    namespaced: false,
    verbs: ['create'],
  },
];

export const verbsOf = (t: ResourceType): string[] => t.verbs ?? crud;

/** Versions of one group, newest (preferred) first, as the real server orders them. */
export function groupVersions(group: string): string[] {
  return [...new Set(resourceTypes.filter((t) => t.group === group).map((t) => t.version))];
}

export const groups = (): string[] => [...new Set(resourceTypes.map((t) => t.group).filter((g) => g !== ''))];

/** Objects of one group and plural share storage across versions, as CRD versions do. */
export const storageKey = (t: ResourceType): string => `${t.group}/${t.plural}`;
