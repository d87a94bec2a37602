/**
 * Adding owners' signatures to a bundle, one at a time, on any machine, in any order; adding one twice changes
 * nothing. A Board member (EOA) signs the Consortium Safe's SafeMessage of the manifest digest (EIP-712). A DSP
 * Safe owner signs its own Safe's SafeMessage of that Consortium message hash; the DSP Safe's contract signature
 * (EIP-1271) is assembled from those parts once its threshold is met. Signatures made elsewhere (Safe{Wallet},
 * protocol-kit, a hardware wallet) are imported: one signature with its signer, or a whole Safe-format set.
 */
import { EthSafeSignature } from "@safe-global/protocol-kit";
import type { SafeSignature } from "@safe-global/types-kit";
import { Contract, Signature, Wallet, getBytes, hashMessage, recoverAddress } from "ethers";
import { signatureSet } from "../consortium/approvals";
import type { Chain } from "./chain";
import { type ManifestFile, type SignatureEntry, type SignaturesFile } from "./bundle";

const SAFE_MESSAGE_TYPES = { SafeMessage: [{ name: "message", type: "bytes" }] };
const EIP1271_MAGIC = "0x1626ba7e";

/** Who an owner is on-chain: a DSP Safe (with its owners and threshold) or a Board EOA. */
export type OwnerInfo = { kind: "safe"; safe: string; name: string; owners: string[]; threshold: number } | { kind: "eoa"; address: string };

const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/** The signer's ECDSA signature of a Safe's SafeMessage of `message` (EIP-712, v 27/28, low s). */
export function signSafeMessage(key: string, safe: string, chainId: number, message: string): Promise<string> {
  return new Wallet(key).signTypedData({ chainId, verifyingContract: safe }, SAFE_MESSAGE_TYPES, { message });
}

/** The address an ECDSA Safe signature recovers to over `hash` (v 27/28 typed data, v 31/32 eth_sign). */
export function recoverSafeSigner(hash: string, data: string): string {
  const sig = Signature.from(data);
  const v = getBytes(data)[64];
  return v > 30 ? recoverAddress(hashMessage(getBytes(hash)), { r: sig.r, s: sig.s, v: v - 4 }) : recoverAddress(hash, sig);
}

/** Splits a Safe-format signature set into signatures: EOA parts (signer recovered over `hash`) and contract
 *  signatures (v = 0: the owner in r, the offset of its data in s). */
export function splitSignatureSet(bytes: string, hash: string): SafeSignature[] {
  const b = getBytes(bytes);
  const word = (at: number) => BigInt("0x" + Buffer.from(b.subarray(at, at + 32)).toString("hex"));
  const out: SafeSignature[] = [];
  let staticEnd = b.length;
  for (let i = 0; (i + 1) * 65 <= staticEnd; i++) {
    const part = b.subarray(i * 65, i * 65 + 65);
    const v = part[64];
    const hexOf = (u: Uint8Array) => "0x" + Buffer.from(u).toString("hex");
    if (v === 0) {
      const owner = "0x" + hexOf(part.subarray(12, 32)).slice(2);
      const offset = Number(word(i * 65 + 32));
      if (offset + 32 > b.length) throw new Error(`signature #${i}: contract-signature offset ${offset} lies past the end of the set`);
      const length = Number(word(offset));
      if (offset + 32 + length > b.length) throw new Error(`signature #${i}: contract-signature data runs past the end of the set`);
      staticEnd = Math.min(staticEnd, offset);
      out.push(new EthSafeSignature(owner, hexOf(b.subarray(offset + 32, offset + 32 + length)), true));
    } else if (v === 1) {
      throw new Error(`signature #${i} is an approved-hash signature (v = 1): messages are approved by signatures, not by approveHash`);
    } else {
      const data = hexOf(part);
      out.push(new EthSafeSignature(recoverSafeSigner(hash, data), data));
    }
  }
  return out;
}

/** The Consortium Safe's owners as the gate sees them: the DSP Safes (read on-chain) and the Board EOAs. */
export async function readOwners(chain: Chain): Promise<OwnerInfo[]> {
  const consortium = chain.safe(chain.deployment.consortium);
  const owners = (await consortium.getOwners()) as string[];
  const rules = chain.contract("TierRules");
  const out: OwnerInfo[] = [];
  for (const owner of owners) {
    const [group, region] = (await rules.memberOf(owner)) as [bigint, bigint];
    if (Number(group) === 1) {
      const safe = chain.safe(owner);
      const [dspOwners, threshold] = await Promise.all([safe.getOwners() as Promise<string[]>, safe.getThreshold() as Promise<bigint>]);
      const name = chain.deployment.dsps.find((d) => same(d.safe, owner))?.name ?? `the DSP of region #${region}`;
      out.push({ kind: "safe", safe: owner, name, owners: dspOwners, threshold: Number(threshold) });
    } else {
      out.push({ kind: "eoa", address: owner });
    }
  }
  return out;
}

export interface SignResult {
  file: SignaturesFile;
  /** What happened, in words ("added …", "already signed …"). */
  notes: string[];
}

function upsert(file: SignaturesFile, entry: SignatureEntry): SignaturesFile {
  return { ...file, signatures: [...file.signatures.filter((s) => !same(s.owner, entry.owner)), entry] };
}

/** Adds the signature of `key` for whichever owner it belongs to: a Board EOA, or an owner of a DSP Safe. */
export async function signWithKey(file: SignaturesFile, m: ManifestFile, key: string, owners: OwnerInfo[]): Promise<SignResult> {
  const signer = new Wallet(key).address;
  const eoa = owners.find((o) => o.kind === "eoa" && same(o.address, signer));
  if (eoa) {
    if (file.signatures.some((s) => same(s.owner, signer))) return { file, notes: [`${signer} has already signed: nothing changed`] };
    const data = await signSafeMessage(key, m.consortium, m.chainId, m.digest);
    return { file: upsert(file, { owner: signer, kind: "eoa", data, source: "key" }), notes: [`added the signature of Board member ${signer}`] };
  }
  const safes = owners.filter((o): o is Extract<OwnerInfo, { kind: "safe" }> => o.kind === "safe" && o.owners.some((x) => same(x, signer)));
  if (safes.length === 0) {
    throw new Error(`${signer} is neither a Board member nor an owner of a DSP Safe of the Consortium Safe ${m.consortium}: wrong key file?`);
  }
  let next = file;
  const notes: string[] = [];
  for (const dsp of safes) {
    const entry = next.signatures.find((s) => same(s.owner, dsp.safe));
    const parts = entry?.kind === "safe" ? entry.parts : [];
    if (parts.some((p) => same(p.signer, signer))) {
      notes.push(`${signer} has already signed for ${dsp.name}: nothing changed`);
      continue;
    }
    const data = await signSafeMessage(key, dsp.safe, m.chainId, m.safeMessageHash);
    const updated = [...parts, { signer, data, source: "key" as const }];
    next = upsert(next, { owner: dsp.safe, kind: "safe", parts: updated });
    notes.push(`added ${signer}'s signature for ${dsp.name} (${dsp.safe}): ${Math.min(updated.length, dsp.threshold)} of its ${dsp.threshold} needed`);
  }
  return { file: next, notes };
}

/** Imports signatures made elsewhere: a Safe-format set (protocol-kit's `encodedSignatures()`) or one signature
 *  with its signer. Each is checked before it is kept: an EOA's must recover to a Consortium owner, a contract
 *  signature must be accepted by its Safe (EIP-1271) for the Consortium message hash. */
export async function importSignatures(file: SignaturesFile, m: ManifestFile, imported: { signatures: string } | { signer: string; data: string }, owners: OwnerInfo[], chain: Chain): Promise<SignResult> {
  const sigs = "signatures" in imported
    ? splitSignatureSet(imported.signatures, m.safeMessageHash)
    : [new EthSafeSignature(imported.signer, imported.data, owners.some((o) => o.kind === "safe" && same(o.safe, imported.signer)))];
  let next = file;
  const notes: string[] = [];
  for (const sig of sigs) {
    const owner = owners.find((o) => same(o.kind === "eoa" ? o.address : o.safe, sig.signer));
    if (!owner) throw new Error(`an imported signature is by ${sig.signer}, which is not an owner of the Consortium Safe ${m.consortium}`);
    if (next.signatures.some((s) => same(s.owner, sig.signer))) {
      notes.push(`${sig.signer} has already signed: nothing changed`);
      continue;
    }
    if (owner.kind === "eoa") {
      const recovered = recoverSafeSigner(m.safeMessageHash, sig.data);
      if (!same(recovered, sig.signer)) throw new Error(`the imported signature for ${sig.signer} recovers to ${recovered}: it was made over another message (other manifest, chain or Safe)`);
      next = upsert(next, { owner: owner.address, kind: "eoa", data: sig.data, source: "imported" });
      notes.push(`imported the signature of Board member ${owner.address}`);
    } else {
      // Through the DSP Safe's fallback handler (Safe 1.5.0 has only the bytes32 form).
      const eip1271 = new Contract(owner.safe, ["function isValidSignature(bytes32, bytes) view returns (bytes4)"], chain.provider);
      const magic = (await eip1271.isValidSignature(m.safeMessageHash, sig.data).catch(() => "0x")) as string;
      if (magic !== EIP1271_MAGIC) throw new Error(`${owner.name} (${owner.safe}) does not accept the imported contract signature for this manifest: its owners' threshold is not met, or it was made over another message`);
      next = upsert(next, { owner: owner.safe, kind: "safe", parts: [], data: sig.data });
      notes.push(`imported the contract signature of ${owner.name} (${owner.safe})`);
    }
  }
  return { file: next, notes };
}

/** What the set holds and lacks: the Safe-format bytes of complete signatures, and DSP Safes short of parts. */
export function assembleSignatureSet(file: SignaturesFile, owners: OwnerInfo[]): { bytes: string; signers: string[]; incomplete: string[] } {
  const sigs: SafeSignature[] = [];
  const incomplete: string[] = [];
  for (const entry of file.signatures) {
    if (entry.kind === "eoa") {
      sigs.push(new EthSafeSignature(entry.owner, entry.data));
      continue;
    }
    if (entry.data) {
      sigs.push(new EthSafeSignature(entry.owner, entry.data, true));
      continue;
    }
    const info = owners.find((o) => o.kind === "safe" && same(o.safe, entry.owner)) as Extract<OwnerInfo, { kind: "safe" }> | undefined;
    if (!info) {
      incomplete.push(`${entry.owner} signed but is no longer an owner of the Consortium Safe (a DSP rotated out is revoked for good): its signature no longer counts`);
      continue;
    }
    const current = entry.parts.filter((p) => info.owners.some((o) => same(o, p.signer)));
    if (current.length < info.threshold) {
      incomplete.push(`${info.name} (${entry.owner}) has ${current.length} of the ${info.threshold} owner signatures its Safe needs`);
      continue;
    }
    // The DSP Safe's contract signature is its owners' own Safe-format set (sorted by signer, as it checks them).
    sigs.push(new EthSafeSignature(entry.owner, signatureSet(current.map((p) => new EthSafeSignature(p.signer, p.data))), true));
  }
  return { bytes: signatureSet(sigs), signers: sigs.map((s) => s.signer), incomplete };
}
