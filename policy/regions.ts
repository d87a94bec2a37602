/**
 * Where each DSC region may place cloud resources, from the pack's own placement.json (never from the program's
 * components: one edit there must not weaken both). The policy checks what the registered resources actually
 * carry (a hard-coded location or a second provider would slip past config validation, not past this).
 */
import * as fs from "fs";
import * as path from "path";

export const REGIONS = ["alpha", "beta", "gamma"] as const;
export type Region = (typeof REGIONS)[number];
export const CLOUDS = ["aws", "azure", "gcp"] as const;
export type Cloud = (typeof CLOUDS)[number];

export interface RegionRule {
  cloud: Cloud;
  /** The DSP that runs the region (DESIGN.md), as the `dsp` labels spell it. */
  dsp: string;
  geography: string;
  allowsLocation(location: string): boolean;
}

interface PlacementEntry {
  cloud: string;
  dsp: string;
  geography: string;
  locations: string[];
  /** GCP: a zone of a listed region (`asia-northeast1-a`) is allowed too. */
  zonesOfLocations?: boolean;
}

/** Azure accepts display names ("West Europe") as well as programmatic names ("westeurope"). */
export function normalizeAzureLocation(location: string): string {
  return location.toLowerCase().replace(/\s+/g, "");
}

/** The rules of one region, refusing a placement file that does not say what the pack needs. */
export function regionRule(region: string, entry: PlacementEntry | undefined): RegionRule {
  if (!entry || !(CLOUDS as readonly string[]).includes(entry.cloud) || !Array.isArray(entry.locations) || entry.locations.length === 0) {
    throw new Error(`policy/placement.json: regions.${region} needs a cloud (${CLOUDS.join(", ")}), a dsp, a geography and at least one location`);
  }
  const cloud = entry.cloud as Cloud;
  const normalize = cloud === "azure" ? normalizeAzureLocation : (l: string) => l;
  const allowsLocation = (location: string) => {
    const l = normalize(location);
    return entry.locations.includes(l) || (entry.zonesOfLocations === true && entry.locations.some((r) => new RegExp(`^${r}-[a-z]$`).test(l)));
  };
  return { cloud, dsp: entry.dsp, geography: `${entry.geography} (${entry.locations.join(", ")})`, allowsLocation };
}

const PLACEMENT_FILE = path.join(__dirname, "placement.json");
const entries = (JSON.parse(fs.readFileSync(PLACEMENT_FILE, "utf8")) as { regions: Record<string, PlacementEntry | undefined> }).regions;
export const REGION_RULES = Object.fromEntries(REGIONS.map((r) => [r, regionRule(r, entries[r])])) as Record<Region, RegionRule>;

export function isRegion(value: unknown): value is Region {
  return typeof value === "string" && (REGIONS as readonly string[]).includes(value);
}
