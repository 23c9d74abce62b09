/** A PolicyException as found where Kyverno reads it. */
export interface ObservedException {
  namespace: string;
  name: string;
  uid: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  spec: unknown;
}
