/** A PolicyException as found where Kyverno reads it. */
export interface ObservedException {
  /** Which API group and version it was read from (kyverno.io or the CEL one, policies.kyverno.io). */
  apiVersion: string;
  namespace: string;
  name: string;
  uid: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  spec: unknown;
}
