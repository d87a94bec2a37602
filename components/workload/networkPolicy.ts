import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

/** Denies all ingress to every pod of a namespace: what is admitted is what another policy names explicitly. */
export function defaultDenySpec(): k8s.types.input.networking.v1.NetworkPolicySpec {
  return { podSelector: {}, policyTypes: ["Ingress"] };
}

export const DEFAULT_DENY_NAME = "default-deny";

/** The `default-deny` NetworkPolicy of one federation namespace (the policy pack requires one in each). */
export function defaultDenyIngress(
  name: string,
  namespace: pulumi.Input<string>,
  labels: Record<string, string>,
  opts: pulumi.CustomResourceOptions,
): k8s.networking.v1.NetworkPolicy {
  return new k8s.networking.v1.NetworkPolicy(name, { metadata: { name: DEFAULT_DENY_NAME, namespace, labels }, spec: defaultDenySpec() }, opts);
}
