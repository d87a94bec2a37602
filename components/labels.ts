/**
 * The federation's required labels. Kubernetes objects carry the `dsc.federation/*` labels; cloud resources carry
 * the `dsc-*` tags (lower-case keys and values, so they are valid GCP labels as well as AWS/Azure tags).
 * Policies (issue #6) check for exactly these keys, so every resource that takes labels or tags must carry them.
 */
export const CONSORTIUM = "dsc";

export const K8S_LABEL_KEYS = {
  region: "dsc.federation/region",
  dsp: "dsc.federation/dsp",
  consortium: "dsc.federation/consortium",
} as const;

export const CLOUD_TAG_KEYS = {
  region: "dsc-region",
  dsp: "dsc-dsp",
  consortium: "dsc-consortium",
} as const;

/** Who owns a resource: the federation region and the DSP that runs it (e.g. `alpha`, `dsp-1`). */
export interface Ownership {
  region: string;
  dsp: string;
}

export function federationK8sLabels(owner: Ownership): Record<string, string> {
  return {
    [K8S_LABEL_KEYS.region]: owner.region,
    [K8S_LABEL_KEYS.dsp]: owner.dsp,
    [K8S_LABEL_KEYS.consortium]: CONSORTIUM,
  };
}

export function federationCloudTags(owner: Ownership): Record<string, string> {
  return {
    [CLOUD_TAG_KEYS.region]: owner.region,
    [CLOUD_TAG_KEYS.dsp]: owner.dsp,
    [CLOUD_TAG_KEYS.consortium]: CONSORTIUM,
  };
}

/** Kubernetes labels for one app: the federation labels plus the standard `app.kubernetes.io/*` selector labels. */
export function appLabels(owner: Ownership, app: string): Record<string, string> {
  return { ...appSelector(app), "app.kubernetes.io/part-of": "dsc-federation", ...federationK8sLabels(owner) };
}

export function appSelector(app: string): Record<string, string> {
  return { "app.kubernetes.io/name": app };
}
