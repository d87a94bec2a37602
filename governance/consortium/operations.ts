/**
 * The consortium's on-chain operations, for the CLI (`dsc rotate`, `dsc pause`, `dsc announce`) and the watcher:
 * thin calls over the contracts, each returning what the caller prints. The rules are enforced on-chain; these
 * functions only build the calls and decode the answers.
 */
import { Contract, Interface, TypedDataEncoder, type ContractRunner, type ContractTransactionReceipt } from "ethers";
import type { EIP712TypedData } from "@safe-global/types-kit";
import { ourArtifact, safeArtifact, type ContractName } from "./artifacts";
import { announcementTypedData, cancelRotationTypedData, rotationTypedData, type ModuleCall, type Rotation } from "./calls";
import type { Deployment } from "./deploy";

/** One of our contracts of a deployment, connected to `runner`. */
export function consortiumContract(d: Deployment, name: ContractName, runner: ContractRunner): Contract {
  return new Contract(d.contracts[name], ourArtifact(name).abi, runner);
}

/** What the Board signs to propose a rotation: the `Rotation` typed data with the current DSP and nonce. */
export async function rotationToSign(
  d: Deployment,
  runner: ContractRunner,
  r: { region: number; newDsp: string; newAgent: string; expiry: bigint },
): Promise<{ rotation: Rotation; typedData: EIP712TypedData }> {
  const module = consortiumContract(d, "BoardRotationModule", runner);
  const oldDsp = (await consortiumContract(d, "TierRules", runner).dspOf(r.region)) as string;
  const rotation: Rotation = { ...r, oldDsp, nonce: (await module.nonce()) as bigint };
  return { rotation, typedData: rotationTypedData(rotation, d.chainId, d.contracts.BoardRotationModule) };
}

/** Announces a rotation on-chain (Board signatures over `rotationToSign`); it executes after the delay. */
export async function proposeRotation(d: Deployment, sender: ContractRunner, rotation: Rotation, signatures: string): Promise<{ digest: string; eta: bigint; coSigned: boolean; receipt: ContractTransactionReceipt }> {
  const module = consortiumContract(d, "BoardRotationModule", sender);
  const receipt = (await (await module.propose(rotation.region, rotation.newDsp, rotation.newAgent, rotation.expiry, signatures)).wait()) as ContractTransactionReceipt;
  const event = eventOf(module.interface, receipt, "RotationProposed");
  return { digest: event.digest as string, eta: event.eta as bigint, coSigned: event.coSigned as boolean, receipt };
}

/** Executes the pending rotation (anyone may, once its delay has passed). */
export async function executeRotation(d: Deployment, sender: ContractRunner): Promise<ContractTransactionReceipt> {
  return (await (await consortiumContract(d, "BoardRotationModule", sender).execute()).wait()) as ContractTransactionReceipt;
}

/** The pending rotation, or undefined. `eta` is when it may execute (seconds since the epoch). */
export async function pendingRotation(d: Deployment, runner: ContractRunner): Promise<PendingRotation | undefined> {
  const p = await consortiumContract(d, "BoardRotationModule", runner).pending();
  if (p.eta === 0n) return undefined;
  return { region: Number(p.region), coSigned: p.coSigned, eta: p.eta, expiry: p.expiry, oldDsp: p.oldDsp, newDsp: p.newDsp, newAgent: p.newAgent, digest: p.digest };
}

export interface PendingRotation {
  region: number;
  /** Co-signed by the DSPs of the other independent regions (else the new DSP counts as the Board's one seat). */
  coSigned: boolean;
  eta: bigint;
  expiry: bigint;
  oldDsp: string;
  newDsp: string;
  newAgent: string;
  digest: string;
}

/** What the other DSPs sign to cancel the pending rotation whose digest is `rotationDigest`. */
export function cancelToSign(d: Deployment, rotationDigest: string): EIP712TypedData {
  return cancelRotationTypedData(rotationDigest, d.chainId, d.contracts.BoardRotationModule);
}

/** Cancels the pending rotation with the other DSPs' signatures over `cancelToSign`. */
export async function cancelRotation(d: Deployment, sender: ContractRunner, signatures: string): Promise<ContractTransactionReceipt> {
  return (await (await consortiumContract(d, "BoardRotationModule", sender).cancel(signatures)).wait()) as ContractTransactionReceipt;
}

/** Pauses the federation as a current agent (`agent` is the agent's signer). */
export async function pause(d: Deployment, agent: ContractRunner, reason: string): Promise<ContractTransactionReceipt> {
  return (await (await consortiumContract(d, "Guardian", agent).pause(reason)).wait()) as ContractTransactionReceipt;
}

/** Executes an approved TierModule call (`signatures` over `moduleCallTypedData(call, …)`). */
export async function executeModuleCall(d: Deployment, sender: ContractRunner, call: ModuleCall, signatures: string): Promise<ContractTransactionReceipt> {
  const module = consortiumContract(d, "TierModule", sender);
  return (await (await module.execute(call.to, call.value, call.data, call.nonce, call.expiry, signatures)).wait()) as ContractTransactionReceipt;
}

/** The TierModule call that posts an announcement (`fleet`); sign it with `moduleCallTypedData`. */
export function announcementCall(d: Deployment, contentHash: string, uri: string, nonce: bigint, expiry: bigint): ModuleCall {
  const data = new Interface(ourArtifact("Announcements").abi).encodeFunctionData("post", [contentHash, uri]);
  return { to: d.contracts.Announcements, value: 0n, data, nonce, expiry };
}

/** The digest an EIP-1271 client checks for an announcement. */
export function announcementDigest(d: Deployment, contentHash: string): string {
  const t = announcementTypedData(contentHash, d.chainId, d.contracts.Announcements);
  return TypedDataEncoder.hash(t.domain as Record<string, unknown>, { Announcement: t.types.Announcement }, t.message);
}

/** Whether the Brand announced `contentHash`, asked exactly as any EIP-1271 client would ask the Consortium Safe. */
export async function isAnnouncedByBrand(d: Deployment, runner: ContractRunner, contentHash: string): Promise<boolean> {
  return isValidBrandSignature(d, runner, announcementDigest(d, contentHash), "0x");
}

/** The Consortium Safe's EIP-1271 answer for `hash` and `signatures` (true only for the magic value). */
export async function isValidBrandSignature(d: Deployment, runner: ContractRunner, hash: string, signatures: string): Promise<boolean> {
  const safe = new Contract(d.consortium, safeArtifact("fallbackHandler").abi, runner);
  try {
    return (await safe.getFunction("isValidSignature(bytes32,bytes)").staticCall(hash, signatures)) === "0x1626ba7e";
  } catch {
    return false;
  }
}

function eventOf(iface: Interface, receipt: ContractTransactionReceipt, name: string) {
  for (const log of receipt.logs) {
    const parsed = iface.parseLog(log);
    if (parsed?.name === name) return parsed.args;
  }
  throw new Error(`the transaction ${receipt.hash} emitted no ${name} event`);
}
