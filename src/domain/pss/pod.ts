/**
 * A pod as the Pod Security checks read it: plain JSON, read defensively, with Go's decoding in mind
 * (an absent or `null` field is nil; `{}` is set). Nothing here trusts the shape of its input.
 */
export type Json = Readonly<Record<string, unknown>>;

/** The pod the checks judge: its metadata (annotations only matter) and its spec. */
export interface PodUnderCheck {
  metadata: Json;
  spec: Json;
}

export const obj = (v: unknown): Json | undefined =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : undefined;
export const arr = (v: unknown): readonly unknown[] => (Array.isArray(v) ? v : []);
export const str = (v: unknown): string => (typeof v === 'string' ? v : '');

export type ContainerList = 'initContainers' | 'containers' | 'ephemeralContainers';

/** One container as the checks visit it: where it sits (`spec.containers[2]`), its name and image. */
export interface VisitedContainer {
  list: ContainerList;
  index: number;
  path: string;
  name: string;
  image: string;
  container: Json;
  securityContext: Json | undefined;
}

/** Init containers, then containers, then ephemeral containers: the order upstream visits them. */
export function containersOf(spec: Json): VisitedContainer[] {
  const lists: ContainerList[] = ['initContainers', 'containers', 'ephemeralContainers'];
  return lists.flatMap((list) =>
    arr(spec[list]).map((c, index) => {
      const container = obj(c) ?? {};
      return {
        list,
        index,
        path: `spec.${list}[${index}]`,
        name: str(container['name']),
        image: str(container['image']),
        container,
        securityContext: obj(container['securityContext']),
      };
    }),
  );
}

/** The container at a place in the pod, as Kyverno's getContainerInfo finds it. */
export function containerAt(pod: PodUnderCheck, list: ContainerList, index: number): Json {
  return obj(arr(pod.spec[list])[index]) ?? {};
}

const CONTROLLERS = new Set([
  'DaemonSet',
  'Deployment',
  'Job',
  'StatefulSet',
  'ReplicaSet',
  'ReplicationController',
]);

/**
 * The pod of a Pod, of a Pod controller's template, or of a CronJob's job template, as Kyverno's
 * validate_pss.go getSpec takes it. For a CronJob Kyverno takes the metadata of `jobTemplate`, not of
 * the pod template: annotations (AppArmor, seccomp before v1.19) are read there. An Error names what
 * is missing: never a guess.
 */
export function podOf(resource: unknown): PodUnderCheck | Error {
  const o = obj(resource);
  if (!o) return new Error('the resource is not an object');
  const kind = str(o['kind']);
  const spec = obj(o['spec']);
  if (kind === 'Pod') return spec ? { metadata: obj(o['metadata']) ?? {}, spec } : missing(kind, 'spec');
  if (CONTROLLERS.has(kind)) {
    const template = obj(spec?.['template']);
    const podSpec = obj(template?.['spec']);
    return podSpec
      ? { metadata: obj(template?.['metadata']) ?? {}, spec: podSpec }
      : missing(kind, 'spec.template.spec');
  }
  if (kind === 'CronJob') {
    const jobTemplate = obj(spec?.['jobTemplate']);
    const podSpec = obj(obj(obj(jobTemplate?.['spec'])?.['template'])?.['spec']);
    return podSpec
      ? { metadata: obj(jobTemplate?.['metadata']) ?? {}, spec: podSpec }
      : missing(kind, 'spec.jobTemplate.spec.template.spec');
  }
  return new Error(
    `a ${kind || 'resource without a kind'} has no pod: Pod Security applies to Pods, their controllers and CronJobs`,
  );
}

const missing = (kind: string, field: string): Error => new Error(`the ${kind} has no ${field}`);
