/** Test helpers that build signature sets protocol-kit would never build (unsorted, duplicated, forged). */
import { EthSafeSignature } from "@safe-global/protocol-kit";
import type { SafeSignature } from "@safe-global/types-kit";
import { Signature, SigningKey, TypedDataEncoder, getBytes, type Interface } from "ethers";
import { addressOf } from "../../governance/consortium/approvals";

/** Packs signatures in the given order with the Safe layout (static parts, then contract-signature data),
 *  the same layout as protocol-kit's buildSignatureBytes minus its sorting. */
export function packInOrder(sigs: SafeSignature[]): string {
  let staticPart = "0x";
  let dynamicPart = "";
  for (const sig of sigs) {
    if (sig.isContractSignature) {
      const offset = (sigs.length * 65 + dynamicPart.length / 2).toString(16).padStart(64, "0");
      staticPart += sig.staticPart(offset);
      dynamicPart += sig.dynamicPart();
    } else {
      staticPart += sig.data.slice(2);
    }
  }
  return staticPart + dynamicPart;
}

/** The SafeMessage hash of `digest` for the Safe at `safe` on chain `chainId` (Safe's EIP-712 domain). */
export function safeMessageHashFor(safe: string, chainId: number, digest: string): string {
  return TypedDataEncoder.hash({ chainId, verifyingContract: safe }, { SafeMessage: [{ name: "message", type: "bytes" }] }, { message: digest });
}

/** A raw ECDSA signature (v 27/28) by `key` over `hash`, as a Safe EOA signature. */
export function ecdsaSignature(key: string, hash: string): SafeSignature {
  return new EthSafeSignature(addressOf(key), new SigningKey(key).sign(getBytes(hash)).serialized);
}

/** The same signature with s replaced by n - s and v flipped: valid for ecrecover, but not canonical. */
export function toHighS(sig: SafeSignature): SafeSignature {
  const s = Signature.from(sig.data);
  const n = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
  const highS = "0x" + (n - BigInt(s.s)).toString(16).padStart(64, "0");
  const v = s.v === 27 ? 28 : 27;
  return new EthSafeSignature(sig.signer, s.r + highS.slice(2) + v.toString(16));
}

/** The custom error a transaction or call reverted with, decoded with `contract`'s ABI (ethers leaves errors
 *  raised during gas estimation undecoded). */
export async function revertOf(contract: { interface: Interface }, action: Promise<unknown>): Promise<{ name: string; args: unknown[] }> {
  try {
    await action;
  } catch (err) {
    const data = (err as { data?: string }).data;
    const parsed = data ? contract.interface.parseError(data) : null;
    if (!parsed) throw err;
    return { name: parsed.name, args: [...parsed.args] };
  }
  throw new Error("expected a revert, but the call succeeded");
}
