/**
 * `dsc unpause`: the one way out of a Guardian pause. Guardian.unpause is callable only by the Consortium Safe
 * itself, and a direct Safe transaction needs the `critical` rule (3 of 3 DSPs and 1 of 2 Board members), which
 * the guard enforces on-chain; this only builds the transaction with protocol-kit, collects the owners'
 * signatures from the keys given and submits it.
 */
import { OperationType } from "@safe-global/types-kit";
import { Contract, Interface, Wallet } from "ethers";
import { ApprovalSigner, signatureSet } from "../consortium/approvals";
import { ourArtifact } from "../consortium/artifacts";
import type { Chain } from "../gate/chain";
import { GateRefusal } from "../gate/verify";
import { ownersOfKeys } from "./announce";

export type UnpauseOutcome = { unpaused: false; reason: string } | { unpaused: true; pausedBy: string; transaction: string };

/** The refusal when the Safe (its guard or its threshold) refuses the transaction: which rule, who signed. */
export function unpauseRefusal(cause: string, signedFor: string[]): string {
  return `the Consortium Safe refused the unpause (${cause}): it is a critical transaction and needs 3 of 3 DSPs and 1 of 2 Board members; signed for ${signedFor.length === 0 ? "nobody" : signedFor.join(", ")}`;
}

export async function unpause(chain: Chain, keys: string[], payerKey: string): Promise<UnpauseOutcome> {
  const guardian = chain.contract("Guardian");
  if (!(await guardian.paused())) return { unpaused: false, reason: "the federation is not paused" };
  const pausedBy = String(await guardian.pausedBy());
  const d = chain.deployment;
  const data = new Interface(ourArtifact("Guardian").abi).encodeFunctionData("unpause", []);
  const signer = new ApprovalSigner(chain.eip1193 as never, d.consortium, chain.contractNetworks);
  const tx = await signer.createTransaction([{ to: d.contracts.Guardian, value: "0", data, operation: OperationType.Call }]);
  const owners = await ownersOfKeys(chain, keys);
  const sigs = [];
  for (const owner of owners) sigs.push(await signer.signTransaction(owner, tx));
  const safe = new Contract(d.consortium, chain.safe(d.consortium).interface, new Wallet(payerKey, chain.provider));
  const t = tx.data;
  try {
    const sent = await safe.getFunction("execTransaction")(t.to, t.value, t.data, t.operation, t.safeTxGas, t.baseGas, t.gasPrice, t.gasToken, t.refundReceiver, signatureSet(sigs));
    const receipt = await sent.wait();
    return { unpaused: true, pausedBy, transaction: receipt.hash as string };
  } catch (err) {
    const dspName = (safe: string) => d.dsps.find((x) => x.safe.toLowerCase() === safe.toLowerCase())?.name ?? `DSP Safe ${safe}`;
    const signedFor = owners.map((o) => (o.kind === "eoa" ? `Board member ${new Wallet(o.key).address}` : dspName(o.safe)));
    // ethers' shortMessage (e.g. `execution reverted: "GS020"`, Safe's error code) without the calldata dump.
    const cause = (err as { shortMessage?: string }).shortMessage ?? (err as Error).message.split("\n")[0];
    throw new GateRefusal([unpauseRefusal(cause, signedFor)]);
  }
}
