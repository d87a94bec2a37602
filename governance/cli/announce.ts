/**
 * `dsc announce` / `dsc verify-announcement`: the Brand's voice. An announcement (keccak256 of the content and a
 * URI) is posted for the Consortium Safe through the TierModule at `fleet`, approved by the owners whose keys are
 * given (grouped per DSP Safe; a DSP Safe signs through its own owners, EIP-1271); anyone verifies it on-chain.
 */
import type { EIP712TypedData } from "@safe-global/types-kit";
import { Contract, Interface, Wallet, keccak256 } from "ethers";
import { ApprovalSigner, signatureSet, type OwnerSigner } from "../consortium/approvals";
import { ourArtifact } from "../consortium/artifacts";
import { moduleCallTypedData } from "../consortium/calls";
import type { Chain } from "../gate/chain";
import { readOwners } from "../gate/signing";
import { InputError } from "./exit";
import { GateRefusal } from "../gate/verify";
import { randomBytes } from "node:crypto";

const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/** The owners that `keys` sign for: Board EOAs, and DSP Safes with those of their owners' keys. */
export async function ownersOfKeys(chain: Chain, keys: string[]): Promise<OwnerSigner[]> {
  const owners = await readOwners(chain);
  const out: OwnerSigner[] = [];
  for (const key of keys) {
    const address = new Wallet(key).address;
    const eoa = owners.find((o) => o.kind === "eoa" && same(o.address, address));
    if (eoa) {
      out.push({ kind: "eoa", key });
      continue;
    }
    const dsp = owners.find((o) => o.kind === "safe" && o.owners.some((x) => same(x, address)));
    if (!dsp || dsp.kind !== "safe") throw new InputError(`${address} is neither a Board member nor an owner of a DSP Safe`);
    const existing = out.find((o) => o.kind === "safe" && same(o.safe, dsp.safe));
    if (existing && existing.kind === "safe") existing.keys.push(key);
    else out.push({ kind: "safe", safe: dsp.safe, keys: [key] });
  }
  return out;
}

export async function announce(chain: Chain, content: Buffer, uri: string, keys: string[], payerKey: string): Promise<{ contentHash: string; transaction: string }> {
  const contentHash = keccak256(content);
  const d = chain.deployment;
  const payer = new Wallet(payerKey, chain.provider);
  const module = new Contract(d.contracts.TierModule, ourArtifact("TierModule").abi, payer);
  const data = new Interface(ourArtifact("Announcements").abi).encodeFunctionData("post", [contentHash, uri]);
  const latest = await chain.provider.getBlock("latest");
  // The module takes the approval's nonce from the caller and refuses a digest executed before.
  const call = { to: d.contracts.Announcements, value: 0n, data, nonce: BigInt("0x" + randomBytes(16).toString("hex")), expiry: BigInt(latest!.timestamp + 3600) };
  const typed: EIP712TypedData = moduleCallTypedData(call, d.chainId, d.contracts.TierModule);
  const signer = new ApprovalSigner(chain.eip1193 as never, d.consortium, chain.contractNetworks);
  const sigs = [];
  for (const owner of await ownersOfKeys(chain, keys)) sigs.push(await signer.signMessage(owner, typed));
  let receipt;
  try {
    receipt = await (await module.execute(call.to, 0, data, call.nonce, call.expiry, signatureSet(sigs))).wait();
  } catch (err) {
    throw new GateRefusal([`the TierModule refused the announcement (${(err as Error).message.split("\n")[0]}): a fleet approval needs 2 of 3 DSPs`]);
  }
  return { contentHash, transaction: receipt.hash as string };
}

export async function verifyAnnouncement(chain: Chain, content: Buffer): Promise<{ contentHash: string; posted: boolean; uri: string; postedAt: number }> {
  const contentHash = keccak256(content);
  const [posted, uri, postedAt] = (await chain.contract("Announcements").announcement(contentHash)) as [boolean, string, bigint];
  return { contentHash, posted, uri, postedAt: Number(postedAt) };
}
