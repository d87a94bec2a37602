/**
 * Where each DSC region may place cloud resources. The policy keeps its own copy of the geography on
 * purpose: it is the independent check of what the stack config asks for, so it must not read the
 * allowed places from the config it is checking.
 */
export const REGIONS = ["alpha", "beta", "gamma"] as const;
export type Region = (typeof REGIONS)[number];
export type Cloud = "aws" | "azure" | "gcp";

export interface RegionRule {
  cloud: Cloud;
  dsp: string;
  geography: string;
  allowsLocation(location: string): boolean;
}

/** Azure names its European regions without a common prefix, so they are listed. */
const AZURE_EUROPE = new Set([
  "northeurope", "westeurope", "francecentral", "francesouth", "germanywestcentral", "germanynorth",
  "swedencentral", "swedensouth", "norwayeast", "norwaywest", "switzerlandnorth", "switzerlandwest",
  "uksouth", "ukwest", "polandcentral", "italynorth", "spaincentral", "austriaeast", "belgiumcentral",
]);

/** Azure accepts display names ("West Europe") as well as programmatic names ("westeurope"). */
export function normalizeAzureLocation(location: string): string {
  return location.toLowerCase().replace(/\s+/g, "");
}

export const REGION_RULES: Record<Region, RegionRule> = {
  alpha: {
    cloud: "aws",
    dsp: "dsp-1",
    geography: "AWS US regions (us-east-*, us-west-*)",
    allowsLocation: (location) => /^us-(east|west)-\d+$/.test(location),
  },
  beta: {
    cloud: "azure",
    dsp: "dsp-2",
    geography: "Azure European regions (westeurope, northeurope, germanywestcentral, ...)",
    allowsLocation: (location) => AZURE_EUROPE.has(normalizeAzureLocation(location)),
  },
  gamma: {
    cloud: "gcp",
    dsp: "dsp-3",
    geography: "GCP Asian regions or zones (asia-*)",
    allowsLocation: (location) => /^asia-[a-z]+\d+(-[a-z])?$/.test(location),
  },
};

export function isRegion(value: unknown): value is Region {
  return typeof value === "string" && (REGIONS as readonly string[]).includes(value);
}
