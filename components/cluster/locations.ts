/**
 * Where each cloud's cluster may be configured to run: the program's own validation lists (the federation's
 * geography per region: alpha in the US, beta in Europe, gamma in Asia). The policy pack keeps its own copy in
 * policy/placement.json on purpose: widening a list here must not widen what the pack accepts.
 */
export const US_AWS_REGIONS = ["us-east-1", "us-east-2", "us-west-1", "us-west-2"] as const;

export const EUROPEAN_AZURE_LOCATIONS = [
  "westeurope", "northeurope", "germanywestcentral", "francecentral", "swedencentral",
  "switzerlandnorth", "italynorth", "polandcentral", "norwayeast", "spaincentral",
] as const;

export const ASIAN_GCP_REGIONS = [
  "asia-east1", "asia-east2", "asia-northeast1", "asia-northeast2", "asia-northeast3",
  "asia-south1", "asia-south2", "asia-southeast1", "asia-southeast2",
] as const;
