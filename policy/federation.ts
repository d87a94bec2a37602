/**
 * The federation facts shared by several policies: which DSC region a resource belongs to (from its
 * required labels) and which regions a stack may deploy (from the per-stack policy config).
 */
import { PolicyConfigSchema } from "@pulumi/policy";
import { CLOUD_TAG_KEYS, K8S_LABEL_KEYS } from "../components/labels";
import { isKubernetesObject, labelsOf, ResourceView } from "./model";
import { isRegion, Region, REGIONS } from "./regions";

/** The required label keys for a resource: Kubernetes labels or cloud tags. */
export function labelKeysFor(type: string): { region: string; dsp: string; consortium: string } {
  return isKubernetesObject(type) ? K8S_LABEL_KEYS : CLOUD_TAG_KEYS;
}

/** The DSC region a resource is labelled with, if it carries a valid region label. */
export function regionOf(resource: ResourceView): Region | undefined {
  const value = labelsOf(resource)[labelKeysFor(resource.type).region];
  return isRegion(value) ? value : undefined;
}

/** Per-stack policy config: the regions this stack deploys (`policy/config/<stack>.json`). */
export interface StackRegionsConfig {
  regions?: string[];
}

export const stackRegionsSchema: PolicyConfigSchema = {
  properties: {
    regions: {
      type: "array",
      items: { type: "string", enum: [...REGIONS] },
      description: "The DSC regions this stack deploys: one for a regional stack, all three for local.",
    },
  },
};

/** The regions a stack may deploy; every region when the pack runs without per-stack config. */
export function stackRegions(config: StackRegionsConfig): Region[] {
  const configured = (config.regions ?? []).filter(isRegion);
  return configured.length > 0 ? configured : [...REGIONS];
}

/** A URN shortened to `type::name` for readable messages. */
export function describe(resource: { type: string; name: string }): string {
  return `${resource.type} "${resource.name}"`;
}
