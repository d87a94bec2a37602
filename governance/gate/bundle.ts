/**
 * The change bundle: a folder that travels from the proposer to the signers to the gate. It holds the plan file
 * exactly as the engine wrote it, the manifest (plus chain, addresses and the Safe message hash a wallet signs),
 * the step summary people read, the proposing agent's signature, the owners' signatures and, after `dsc up`, the
 * outcome. Everything but the plan is JSON (or Markdown for people) and is checked against a schema on read.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { TypedDataEncoder } from "ethers";
import { z } from "zod";
import { manifestSchema, manifestTypedData, toOnChainManifest, typedDataDigest, type OnChainManifest } from "../consortium/manifest";
import type { EIP712TypedData } from "@safe-global/types-kit";

export const BUNDLE_FILES = {
  plan: "plan.json",
  manifest: "manifest.json",
  summaryJson: "summary.json",
  summaryMd: "summary.md",
  proposal: "proposal.json",
  signatures: "signatures.json",
  outcome: "outcome.json",
} as const;

const hex = z.string().regex(/^0x([0-9a-fA-F]{2})*$/, "must be 0x-prefixed hex bytes");
const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, "must be a 0x-prefixed 20-byte address");
const digest32 = z.string().regex(/^0x[0-9a-fA-F]{64}$/, "must be a 0x-prefixed 32-byte digest");

export const manifestFileSchema = z.object({
  manifest: manifestSchema.extend({ nonce: z.string().regex(/^\d+$/, "nonce is a decimal string") }),
  chainId: z.number().int().positive(),
  tierRules: address,
  consortium: address,
  /** The manifest's EIP-712 digest (in TierRules' domain). */
  digest: digest32,
  /** The Consortium Safe's SafeMessage hash of the digest: what an owner's wallet signs. */
  safeMessageHash: digest32,
  tierTableDigest: digest32,
});
export type ManifestFile = z.output<typeof manifestFileSchema>;

export const proposalFileSchema = z.object({ agent: address, signature: hex });
export type ProposalFile = z.output<typeof proposalFileSchema>;

const eoaEntry = z.object({ owner: address, kind: z.literal("eoa"), data: hex, source: z.enum(["key", "imported"]) });
const safeEntry = z.object({
  owner: address,
  kind: z.literal("safe"),
  /** The DSP Safe's own owners' signatures over its SafeMessage of the Consortium message hash. */
  parts: z.array(z.object({ signer: address, data: hex, source: z.enum(["key", "imported"]) })),
  /** A complete contract signature imported as such (EIP-1271 data), instead of parts. */
  data: hex.optional(),
});
export const signaturesFileSchema = z.object({ version: z.literal(1), signatures: z.array(z.discriminatedUnion("kind", [eoaEntry, safeEntry])) });
export type SignaturesFile = z.output<typeof signaturesFileSchema>;
export type SignatureEntry = SignaturesFile["signatures"][number];

/** A bundle's files that are missing or do not fit their schema: the CLI's "bad input". */
export class BundleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BundleError";
  }
}

export function bundlePath(dir: string, file: keyof typeof BUNDLE_FILES): string {
  return path.join(dir, BUNDLE_FILES[file]);
}

export function readJson<T>(dir: string, file: keyof typeof BUNDLE_FILES, schema: z.ZodType<T>): T {
  const p = bundlePath(dir, file);
  if (!existsSync(p)) throw new BundleError(`${p} is missing: is ${dir} a change bundle written by 'dsc change'?`);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(p, "utf8"));
  } catch (err) {
    throw new BundleError(`${p} is not JSON: ${(err as Error).message}`);
  }
  const r = schema.safeParse(json);
  if (!r.success) {
    const i = r.error.issues[0];
    throw new BundleError(`${p}: ${i.path.join(".") || "(top)"}: ${i.message}`);
  }
  return r.data;
}

export function writeJson(dir: string, file: keyof typeof BUNDLE_FILES, value: unknown): void {
  writeFileSync(bundlePath(dir, file), JSON.stringify(value, null, 2) + "\n");
}

export function readManifestFile(dir: string): ManifestFile {
  return readJson(dir, "manifest", manifestFileSchema);
}

export function readSignatures(dir: string): SignaturesFile {
  return existsSync(bundlePath(dir, "signatures")) ? readJson(dir, "signatures", signaturesFileSchema) : { version: 1, signatures: [] };
}

/** The manifest as TierRules takes it. */
export function onChainManifest(m: ManifestFile): OnChainManifest {
  return toOnChainManifest({ ...m.manifest, nonce: BigInt(m.manifest.nonce) });
}

/** The manifest's EIP-712 typed data (what protocol-kit's createMessage takes, what a wallet shows). */
export function bundleTypedData(m: ManifestFile): EIP712TypedData {
  return manifestTypedData(onChainManifest(m), { chainId: m.chainId, tierRules: m.tierRules });
}

/** The SafeMessage hash of `message` for the Safe at `safe` (Safe's EIP-712 domain: chain id and address). */
export function safeMessageHash(safe: string, chainId: number, message: string): string {
  return TypedDataEncoder.hash({ chainId, verifyingContract: safe }, { SafeMessage: [{ name: "message", type: "bytes" }] }, { message });
}

/** The digest and Safe message hash a manifest file must carry; a mismatch means the file was edited. */
export function manifestHashes(m: ManifestFile): { digest: string; safeMessageHash: string } {
  const digest = typedDataDigest(bundleTypedData(m));
  return { digest, safeMessageHash: safeMessageHash(m.consortium, m.chainId, digest) };
}
