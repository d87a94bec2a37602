/**
 * Where each DSC region may place cloud resources. The lists of allowed locations are the ones the cluster
 * components validate their config against; the policy checks what the registered resources actually carry
 * (a hard-coded location or a second provider would slip past config validation, not past this).
 */
import { US_AWS_REGIONS } from "../components/cluster/aws";
import { EUROPEAN_AZURE_LOCATIONS } from "../components/cluster/azure";
import { ASIAN_GCP_REGIONS } from "../components/cluster/gcp";
import { type Region, REGION_CLOUD, REGIONS } from "../stacks/config";

export { type Region, REGIONS };
export type Cloud = (typeof REGION_CLOUD)[Region];

export interface RegionRule {
  cloud: Cloud;
  /** The DSP that runs the region (DESIGN.md), as the `dsp` labels spell it. */
  dsp: string;
  geography: string;
  allowsLocation(location: string): boolean;
}

/** Azure accepts display names ("West Europe") as well as programmatic names ("westeurope"). */
export function normalizeAzureLocation(location: string): string {
  return location.toLowerCase().replace(/\s+/g, "");
}

const inList = (list: readonly string[]) => (location: string) => list.includes(location);
/** A GCP location is a region (`asia-northeast1`) or one of its zones (`asia-northeast1-a`). */
const gcpRegionOrZone = (location: string) => ASIAN_GCP_REGIONS.some((r) => location === r || new RegExp(`^${r}-[a-z]$`).test(location));

export const REGION_RULES: Record<Region, RegionRule> = {
  alpha: { cloud: REGION_CLOUD.alpha, dsp: "dsp-1", geography: `AWS US regions (${US_AWS_REGIONS.join(", ")})`, allowsLocation: inList(US_AWS_REGIONS) },
  beta: {
    cloud: REGION_CLOUD.beta,
    dsp: "dsp-2",
    geography: `Azure European regions (${EUROPEAN_AZURE_LOCATIONS.join(", ")})`,
    allowsLocation: (location) => inList(EUROPEAN_AZURE_LOCATIONS)(normalizeAzureLocation(location)),
  },
  gamma: { cloud: REGION_CLOUD.gamma, dsp: "dsp-3", geography: `GCP Asian regions or their zones (${ASIAN_GCP_REGIONS.join(", ")})`, allowsLocation: gcpRegionOrZone },
};

export function isRegion(value: unknown): value is Region {
  return typeof value === "string" && (REGIONS as readonly string[]).includes(value);
}
