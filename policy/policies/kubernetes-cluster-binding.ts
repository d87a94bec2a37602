/**
 * Every Kubernetes object of a stack goes through a provider built by one of the stack's own cluster
 * components (never a default provider, a hand-written kubeconfig or another stack's cluster), each
 * provider serves one region only, and that region is the one its cluster is tagged with.
 */
import { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { CLUSTER_COMPONENT_PREFIX, isInside } from "../components";
import { describe, regionOf } from "../federation";
import { cloudOf, isKubernetesObject } from "../model";
import { Region } from "../regions";

/** The cluster component a provider was built by: its nearest `dsc:cluster:*` ancestor. */
function clusterComponentOf(provider: PolicyResource | undefined): PolicyResource | undefined {
  let current = provider?.parent;
  while (current && !current.type.startsWith(CLUSTER_COMPONENT_PREFIX)) current = current.parent;
  return current;
}

/** Regions the cloud resources of a cluster component are tagged with (empty for a local cluster). */
function clusterRegions(cluster: PolicyResource, resources: PolicyResource[]): Set<Region> {
  const inside = resources.filter((r) => cloudOf(r.type) && isInside(r, cluster));
  return new Set(inside.map(regionOf).filter((region): region is Region => region !== undefined));
}

export const kubernetesClusterBinding: StackValidationPolicy = {
  name: "kubernetes-cluster-binding",
  description: "Kubernetes objects reach only their own region's cluster, through the provider its cluster component built.",
  enforcementLevel: "mandatory",
  validateStack: (args, report) => {
    const byUrn = new Map(args.resources.map((r) => [r.urn, r]));
    const regionsByProvider = new Map<string, Set<Region>>();
    for (const object of args.resources.filter((r) => isKubernetesObject(r.type))) {
      const provider = object.provider ? byUrn.get(object.provider.urn) : undefined;
      const cluster = clusterComponentOf(provider);
      if (!provider || !cluster) {
        report(`${describe(object)} does not use a Kubernetes provider built by this stack's cluster component ` +
          `(provider: ${object.provider?.urn ?? "default"}); pass the region's DspCluster.provider.`, object.urn);
        continue;
      }
      const region = regionOf(object);
      // Unlabelled objects are required-labels' finding; here they cannot say which region they belong to.
      if (region) regionsByProvider.set(provider.urn, (regionsByProvider.get(provider.urn) ?? new Set<Region>()).add(region));
      const tagged = clusterRegions(cluster, args.resources);
      if (region && tagged.size > 0 && !tagged.has(region)) {
        report(`${describe(object)} belongs to region ${region} but is sent to ${describe(cluster)}, ` +
          `the cluster of ${[...tagged].join(", ")}.`, object.urn);
      }
    }
    for (const [providerUrn, regions] of regionsByProvider) {
      if (regions.size > 1) {
        report(`Kubernetes provider ${providerUrn} serves several regions (${[...regions].join(", ")}); ` +
          `each region must write only to its own cluster.`, providerUrn);
      }
    }
  },
};
