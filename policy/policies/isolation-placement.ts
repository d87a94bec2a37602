/**
 * Isolation and placement: a region's cloud resources live only in that region's cloud and geography
 * (alpha: AWS in the US, beta: Azure in Europe, gamma: GCP in Asia), placed through an explicit provider
 * pinned to a location, and a stack deploys only the regions its policy config names.
 */
import { ResourceValidationArgs, ResourceValidationPolicy } from "@pulumi/policy";
import { describe, regionOf, stackRegions, StackRegionsConfig, stackRegionsSchema } from "../federation";
import { cloudOf, isProviderType, Props } from "../model";
import { Cloud, Region, REGION_RULES } from "../regions";

const CLOUD_NAMES: Record<Cloud, string> = { aws: "AWS", azure: "Azure", gcp: "GCP" };

/** The location property each cloud uses, on a resource or on its provider. */
const LOCATION_KEYS: Record<Cloud, string[]> = {
  aws: ["region"],
  azure: ["location"],
  gcp: ["location", "region", "zone"],
};

export function locationIn(cloud: Cloud, props: Props | undefined): string | undefined {
  const value = LOCATION_KEYS[cloud].map((key) => props?.[key]).find((v) => typeof v === "string" && v !== "");
  return value as string | undefined;
}

/** The regions a resource may belong to: its label if it has one, else every configured region of its cloud. */
function candidateRegions(args: ResourceValidationArgs, cloud: Cloud, allowed: Region[]): Region[] {
  const labelled = regionOf(args);
  if (labelled) return [labelled];
  const sameCloud = allowed.filter((region) => REGION_RULES[region].cloud === cloud);
  return sameCloud.length > 0 ? sameCloud : allowed;
}

function checkPlacement(args: ResourceValidationArgs, report: (message: string) => void): void {
  const cloud = cloudOf(args.type);
  const allowed = stackRegions(args.getConfig<StackRegionsConfig>());
  const labelled = regionOf(args);
  if (labelled && !allowed.includes(labelled)) {
    report(`${describe(args)} is labelled for region ${labelled}, but this stack deploys only ${allowed.join(", ")}.`);
    return;
  }
  if (!cloud) return;
  const regions = candidateRegions(args, cloud, allowed);
  const wrongCloud = regions.filter((region) => REGION_RULES[region].cloud !== cloud);
  for (const region of wrongCloud) {
    report(`${describe(args)} belongs to ${CLOUD_NAMES[cloud]}, but region ${region} runs only on ${CLOUD_NAMES[REGION_RULES[region].cloud]}.`);
  }
  if (wrongCloud.length > 0) return;
  checkLocation(args, cloud, regions, report);
}

function checkLocation(args: ResourceValidationArgs, cloud: Cloud, regions: Region[], report: (message: string) => void): void {
  if (!isProviderType(args.type) && (!args.provider || args.provider.name.startsWith("default"))) {
    report(`${describe(args)} uses the default ${cloud} provider, which takes its location from outside the program; ` +
      `create it with the region's explicit provider.`);
  }
  const own = locationIn(cloud, args.props);
  const placed = own ?? (isProviderType(args.type) ? undefined : locationIn(cloud, args.provider?.props));
  if (placed === undefined) {
    if (isProviderType(args.type)) report(`${describe(args)} sets no ${LOCATION_KEYS[cloud][0]}; pin the provider to the region's location.`);
    return;
  }
  if (!regions.some((region) => REGION_RULES[region].allowsLocation(placed))) {
    const where = regions.map((region) => `${region}: ${REGION_RULES[region].geography}`).join("; ");
    report(`${describe(args)} is placed in "${placed}", outside its region (${where}).`);
  }
}

export const isolationPlacement: ResourceValidationPolicy = {
  name: "isolation-placement",
  description: "A regional stack creates cloud resources only in its own cloud and its own geography, through explicit providers.",
  enforcementLevel: "mandatory",
  configSchema: stackRegionsSchema,
  validateResource: checkPlacement,
};
