/**
 * Manifests as EIP-712 typed data. The typed-data hash is the manifest digest; owners approve it by signing the
 * Consortium Safe's SafeMessage hash of that digest. Field order and types must match TierRules.MANIFEST_TYPEHASH.
 */
import { TypedDataEncoder } from "ethers";
import { z } from "zod";
import type { EIP712TypedData } from "@safe-global/types-kit";

/** Tier names in the order of the Solidity `Tier` enum (index = on-chain value). */
export const TIERS = ["critical", "fleet", "operational", "emergency", "rotation", "veto"] as const;
export type TierName = (typeof TIERS)[number];
/** Region names in on-chain order (bit i of a region mask). */
export const REGIONS = ["alpha", "beta", "gamma"] as const;
export type RegionName = (typeof REGIONS)[number];

const digest32 = z.string().regex(/^0x[0-9a-fA-F]{64}$/, "must be a 0x-prefixed 32-byte hex digest");

/** A manifest as people and tools write it (names, not indexes). */
export const manifestSchema = z.object({
  project: z.string().min(1, "project name is required"),
  stack: z.string().min(1, "stack name is required"),
  planDigest: digest32,
  sourceCommit: z.string().regex(/^[0-9a-f]{40}([0-9a-f]{24})?$/, "must be a full lowercase git commit id"),
  lockfileDigest: digest32,
  configDigest: digest32,
  tier: z.enum(TIERS),
  regions: z.array(z.enum(REGIONS)).min(1, "a manifest touches at least one region"),
  expiry: z.number().int().positive("expiry is a unix time in seconds"),
  nonce: z.union([z.bigint(), z.number().int().nonnegative()]).transform((n) => BigInt(n)),
});
export type ManifestInput = z.input<typeof manifestSchema>;
export type ManifestFields = z.output<typeof manifestSchema>;

/** The manifest as the contracts take it (the Solidity `Manifest` struct). */
export interface OnChainManifest {
  project: string;
  stack: string;
  planDigest: string;
  sourceCommit: string;
  lockfileDigest: string;
  configDigest: string;
  tier: number;
  regions: number;
  expiry: bigint;
  nonce: bigint;
}

export const MANIFEST_TYPES = {
  Manifest: [
    { name: "project", type: "string" },
    { name: "stack", type: "string" },
    { name: "planDigest", type: "bytes32" },
    { name: "sourceCommit", type: "string" },
    { name: "lockfileDigest", type: "bytes32" },
    { name: "configDigest", type: "bytes32" },
    { name: "tier", type: "uint8" },
    { name: "regions", type: "uint8" },
    { name: "expiry", type: "uint64" },
    { name: "nonce", type: "uint256" },
  ],
};

/** Where manifests are approved: the TierRules contract on one chain (its EIP-712 domain). */
export interface ManifestDomain {
  chainId: number;
  tierRules: string;
}

/** Bit mask of region names (alpha = 1, beta = 2, gamma = 4). */
export function regionMask(regions: readonly RegionName[]): number {
  return regions.reduce((mask, r) => mask | (1 << REGIONS.indexOf(r)), 0);
}

/** Region names of a bit mask. */
export function regionNames(mask: number): RegionName[] {
  return REGIONS.filter((_, i) => (mask & (1 << i)) !== 0);
}

/** Validates a manifest and converts it to the on-chain struct; throws a zod error naming the bad field. */
export function toOnChainManifest(input: ManifestInput): OnChainManifest {
  const m = manifestSchema.parse(input);
  return { ...m, tier: TIERS.indexOf(m.tier), regions: regionMask(m.regions), expiry: BigInt(m.expiry) };
}

/** The manifest's EIP-712 typed data (what a wallet shows and protocol-kit's `createMessage` takes). */
export function manifestTypedData(manifest: OnChainManifest, domain: ManifestDomain): EIP712TypedData {
  return {
    domain: { name: "DSC Federation", version: "1", chainId: domain.chainId, verifyingContract: domain.tierRules },
    types: MANIFEST_TYPES,
    primaryType: "Manifest",
    message: { ...manifest },
  };
}

/** The EIP-712 hash of typed data (for a manifest: the manifest digest). */
export function typedDataDigest(data: EIP712TypedData): string {
  const types = Object.fromEntries(Object.entries(data.types).filter(([name]) => name !== "EIP712Domain"));
  const { name, version, chainId, verifyingContract } = data.domain;
  return TypedDataEncoder.hash({ name, version, chainId, verifyingContract }, types, data.message);
}
