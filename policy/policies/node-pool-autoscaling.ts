/** Node pools autoscale within sane bounds: at least one node, min <= desired <= max, and a ceiling on max. */
import { ResourceValidationPolicy } from "@pulumi/policy";
import { asArray, asRecord, dig, Props } from "../model";
import { forTypes } from "../resource-policy";
import { AKS_CLUSTER } from "./aks-hardening";

export const DEFAULT_MAX_NODES = 100;

export interface AutoscalingConfig {
  maxNodes?: number;
}

interface Bounds {
  min: unknown;
  max: unknown;
  desired?: unknown;
}

export function boundsProblems(where: string, bounds: Bounds, ceiling: number): string[] {
  const { min, max, desired } = bounds;
  if (typeof min !== "number" || typeof max !== "number") return [`${where} has no autoscaling bounds: set a minimum and a maximum node count.`];
  const problems: string[] = [];
  if (min < 1) problems.push(`${where} minimum ${min} can scale to zero nodes: keep at least 1.`);
  if (min > max) problems.push(`${where} minimum ${min} is above its maximum ${max}.`);
  if (max > ceiling) problems.push(`${where} maximum ${max} is above the ceiling ${ceiling}.`);
  if (typeof desired === "number" && (desired < min || desired > max)) problems.push(`${where} desired size ${desired} is outside ${min}..${max}.`);
  return problems;
}

function aksPool(where: string, pool: Props | undefined, ceiling: number): string[] {
  if (pool?.enableAutoScaling !== true) return [`${where} does not autoscale: set enableAutoScaling true with minCount and maxCount.`];
  return boundsProblems(where, { min: pool.minCount, max: pool.maxCount, desired: pool.count }, ceiling);
}

const CHECKS: Record<string, (props: Props, ceiling: number) => string[]> = {
  "aws:eks/nodeGroup:NodeGroup": (props, ceiling) => boundsProblems("scalingConfig",
    { min: dig(props, "scalingConfig", "minSize"), max: dig(props, "scalingConfig", "maxSize"), desired: dig(props, "scalingConfig", "desiredSize") }, ceiling),
  [AKS_CLUSTER]: (props, ceiling) => asArray(props.agentPoolProfiles).flatMap((pool, i) => aksPool(`agentPoolProfiles[${i}]`, asRecord(pool), ceiling)),
  "azure-native:containerservice:AgentPool": (props, ceiling) => aksPool("the agent pool", props, ceiling),
  "gcp:container/nodePool:NodePool": (props, ceiling) => boundsProblems("autoscaling",
    { min: dig(props, "autoscaling", "minNodeCount") ?? dig(props, "autoscaling", "totalMinNodeCount"),
      max: dig(props, "autoscaling", "maxNodeCount") ?? dig(props, "autoscaling", "totalMaxNodeCount") }, ceiling),
};

export const nodePoolAutoscaling: ResourceValidationPolicy = {
  name: "node-pool-autoscaling",
  description: "Node pools autoscale with at least one node, consistent bounds and a maximum under the ceiling.",
  enforcementLevel: "mandatory",
  configSchema: { properties: { maxNodes: { type: "integer", minimum: 1, default: DEFAULT_MAX_NODES } } },
  validateResource: forTypes(Object.keys(CHECKS), (props, args) =>
    CHECKS[args.type](props, args.getConfig<AutoscalingConfig>().maxNodes ?? DEFAULT_MAX_NODES)),
};
