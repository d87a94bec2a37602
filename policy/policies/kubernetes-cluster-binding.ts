/**
 * A region's stack holds no Kubernetes provider except the one built from its own cluster, whatever the
 * provider's parent or name: judged by what the provider reaches. A provider qualifies when its kubeconfig is
 * computed from exactly one cluster resource of this stack (the engine's property dependencies say which), of a
 * region this stack deploys, on that region's cloud, and no other provider is built from that cluster; or when
 * it reaches no cluster at all (renders YAML) or only a loopback API server (the local stack's own clusters).
 * Every Kubernetes object goes through such a provider, and objects of one region only through it.
 */
import { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { describe, regionOf, stackRegions, StackRegionsConfig, stackRegionsSchema } from "../federation";
import { isKubernetesObject } from "../model";
import { Cloud, Region, REGION_RULES } from "../regions";

export const K8S_PROVIDER = "pulumi:providers:kubernetes";
export const CLUSTER_TYPES: Record<string, Cloud> = {
  "aws:eks/cluster:Cluster": "aws",
  "azure-native:containerservice:ManagedCluster": "azure",
  "gcp:container/cluster:Cluster": "gcp",
};

type Binding = { ok: true; cluster?: PolicyResource; region?: Region } | { ok: false; problem: string };

const LOOPBACK = /^https?:\/\/(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:\d+)?(\/|$)/;

/** Every API server a kubeconfig (YAML or JSON) names. */
export function kubeconfigServers(kubeconfig: string): string[] {
  return [...kubeconfig.matchAll(/"?server"?\s*:\s*"?([^"\s,}]+)/g)].map((m) => m[1]);
}

function bindingOf(provider: PolicyResource, regions: Region[]): Binding {
  const { kubeconfig, cluster: clusterName, context, renderYamlToDirectory } = provider.props;
  const reachesNothing = kubeconfig === undefined && clusterName === undefined && context === undefined;
  if (reachesNothing && typeof renderYamlToDirectory === "string") return { ok: true };
  const clusters = (provider.propertyDependencies?.kubeconfig ?? []).filter((r) => r.type in CLUSTER_TYPES);
  if (clusters.length === 1) {
    const [cluster] = clusters;
    const region = regionOf(cluster);
    if (!region || !regions.includes(region)) {
      return { ok: false, problem: `is built from ${describe(cluster)}, which is not a cluster of this stack's region(s) ${regions.join(", ")}` };
    }
    if (REGION_RULES[region].cloud !== CLUSTER_TYPES[cluster.type]) return { ok: false, problem: `is built from ${describe(cluster)}, but ${region} runs on ${REGION_RULES[region].cloud}` };
    return { ok: true, cluster, region };
  }
  if (clusters.length > 1) return { ok: false, problem: `is built from several clusters (${clusters.map(describe).join(", ")})` };
  const servers = typeof kubeconfig === "string" ? kubeconfigServers(kubeconfig) : [];
  if (servers.length > 0 && servers.every((s) => LOOPBACK.test(s)) && clusterName === undefined) return { ok: true };
  return {
    ok: false,
    problem: "reaches a cluster this stack does not build: its kubeconfig is not computed from one of the stack's clusters " +
      "(a hand-written or another stack's kubeconfig, or the ambient one of a default provider)",
  };
}

export const kubernetesClusterBinding: StackValidationPolicy = {
  name: "kubernetes-cluster-binding",
  description: "The only Kubernetes providers are those built from the stack's own clusters; Kubernetes objects reach only their own region's cluster.",
  enforcementLevel: "mandatory",
  configSchema: stackRegionsSchema,
  validateStack: (args, report) => {
    const regions = stackRegions(args.getConfig<StackRegionsConfig>());
    const bindings = new Map<string, Binding>();
    const builtFrom = new Map<string, PolicyResource[]>();
    for (const provider of args.resources.filter((r) => r.type === K8S_PROVIDER)) {
      const binding = bindingOf(provider, regions);
      bindings.set(provider.urn, binding);
      if (!binding.ok) report(`${describe(provider)} ${binding.problem}; use the provider the region's cluster component builds (DspCluster.provider).`, provider.urn);
      else if (binding.cluster) builtFrom.set(binding.cluster.urn, [...(builtFrom.get(binding.cluster.urn) ?? []), provider]);
    }
    for (const providers of builtFrom.values()) {
      for (const extra of providers.slice(1)) {
        report(`${describe(extra)} is a second provider built from the cluster of ${describe(providers[0])}; a cluster has one provider, its component's.`, extra.urn);
      }
    }
    const regionsByProvider = new Map<string, Set<Region>>();
    for (const object of args.resources.filter((r) => isKubernetesObject(r.type))) {
      const binding = object.provider ? bindings.get(object.provider.urn) : undefined;
      if (!binding) {
        report(`${describe(object)} does not use a Kubernetes provider of this stack (provider: ${object.provider?.urn ?? "default"}); pass the region's DspCluster.provider.`, object.urn);
        continue;
      }
      const region = regionOf(object);
      // Unlabelled objects are required-labels' finding; here they cannot say which region they belong to.
      if (!region || !object.provider) continue;
      regionsByProvider.set(object.provider.urn, (regionsByProvider.get(object.provider.urn) ?? new Set<Region>()).add(region));
      if (binding.ok && binding.cluster && binding.region !== region) {
        report(`${describe(object)} belongs to region ${region} but is sent to ${describe(binding.cluster)}, the cluster of ${binding.region}.`, object.urn);
      }
    }
    for (const [providerUrn, served] of regionsByProvider) {
      if (served.size > 1) report(`Kubernetes provider ${providerUrn} serves several regions (${[...served].join(", ")}); each region must write only to its own cluster.`, providerUrn);
    }
  },
};
