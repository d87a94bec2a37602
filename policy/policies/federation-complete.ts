/**
 * The federation as a whole: every region the stack deploys has exactly one cluster, one replication layer
 * and one set of Guardian watchers, and no layer serves a region the stack does not deploy. Run on a regional
 * stack it checks that region; on `local` (or over the three regional stacks together) all three.
 */
import { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { CLUSTER_COMPONENT_PREFIX, componentsOfKind, GUARDIAN_WATCHERS, regionsOf, REPLICATION_LAYER } from "../components";
import { describe, stackRegions, StackRegionsConfig, stackRegionsSchema } from "../federation";
import { Region } from "../regions";

const LAYERS = [
  { layer: "cluster", kind: CLUSTER_COMPONENT_PREFIX },
  { layer: "replication layer", kind: REPLICATION_LAYER },
  { layer: "Guardian watchers", kind: GUARDIAN_WATCHERS },
];

/** How many components of a kind serve each region; a component serving no or several regions is a problem itself. */
function countByRegion(components: PolicyResource[], resources: PolicyResource[], report: (message: string, urn?: string) => void) {
  const counts = new Map<Region, number>();
  for (const component of components) {
    const regions = regionsOf(component, resources);
    if (regions.length !== 1) {
      report(`${describe(component)} serves ${regions.length === 0 ? "no labelled region" : `several regions (${regions.join(", ")})`}; a component serves exactly one.`, component.urn);
    }
    for (const region of regions) counts.set(region, (counts.get(region) ?? 0) + 1);
  }
  return counts;
}

export const federationComplete: StackValidationPolicy = {
  name: "federation-complete",
  description: "Every region of the stack has exactly one cluster, one replication layer and one set of Guardian watchers.",
  enforcementLevel: "mandatory",
  configSchema: stackRegionsSchema,
  validateStack: (args, report) => {
    const expected = stackRegions(args.getConfig<StackRegionsConfig>());
    for (const { layer, kind } of LAYERS) {
      const counts = countByRegion(componentsOfKind(args.resources, kind), args.resources, report);
      for (const region of expected) {
        const count = counts.get(region) ?? 0;
        if (count !== 1) report(`Region ${region} has ${count === 0 ? "no" : count} ${layer}${count > 1 ? "s" : ""}; it needs exactly one.`);
      }
      for (const region of [...counts.keys()].filter((r) => !expected.includes(r))) {
        report(`A ${layer} serves region ${region}, which this stack does not deploy (it deploys ${expected.join(", ")}).`);
      }
    }
  },
};
