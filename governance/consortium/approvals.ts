/**
 * Producing and checking approvals with the standard Safe tools: owners (EOAs, or DSP Safes signing through their
 * own owners, EIP-1271) sign Consortium Safe messages and transactions through @safe-global/protocol-kit; the
 * verdict always comes from the TierRules contract (never re-implemented here).
 */
import Safe, { buildContractSignature, buildSignatureBytes, type ContractNetworksConfig } from "@safe-global/protocol-kit";
import { SigningMethod, type EIP712TypedData, type MetaTransactionData, type SafeSignature, type SafeTransaction } from "@safe-global/types-kit";
import { Contract, Wallet, type ContractRunner } from "ethers";
import { ourArtifact } from "./artifacts";
import type { OnChainManifest } from "./manifest";
import { explainVerdict, toVerdict, type Verdict } from "./verdict";

type Eip1193Provider = Parameters<typeof Safe.init>[0]["provider"];

/** Something protocol-kit signs (a message or a transaction), signed by `kit` with `method`. */
type SignWithKit = (
  kit: Safe,
  method: SigningMethod,
  parentSafe?: string,
) => Promise<{ getSignature(signer: string): SafeSignature | undefined }>;

/** An owner of the Consortium Safe, with the keys that sign for it. */
export type OwnerSigner = { kind: "eoa"; key: string } | { kind: "safe"; safe: string; keys: string[] };

/** Address of a private key. */
export function addressOf(key: string): string {
  return new Wallet(key).address;
}

/** Signs Consortium Safe messages and transactions as any owner, reusing one protocol-kit instance per (Safe, key). */
export class ApprovalSigner {
  private readonly kits = new Map<string, Promise<Safe>>();

  constructor(
    private readonly provider: Eip1193Provider,
    readonly consortium: string,
    private readonly contractNetworks: ContractNetworksConfig,
  ) {}

  /** An owner's signature over the Consortium SafeMessage of typed data (e.g. a manifest). */
  signMessage(owner: OwnerSigner, data: EIP712TypedData): Promise<SafeSignature> {
    return this.signAs(owner, async (kit, method, parentSafe) => kit.signMessage(kit.createMessage(data), method, parentSafe));
  }

  /** A Consortium Safe transaction for `txs` (several are batched through MultiSendCallOnly). */
  async createTransaction(txs: MetaTransactionData[]): Promise<SafeTransaction> {
    const kit = await this.kit(this.consortium);
    return kit.createTransaction({ transactions: txs, onlyCalls: true });
  }

  /** An owner's signature over a Consortium Safe transaction. */
  signTransaction(owner: OwnerSigner, tx: SafeTransaction): Promise<SafeSignature> {
    return this.signAs(owner, (kit, method, parentSafe) => kit.signTransaction(tx, method, parentSafe));
  }

  /**
   * Signs as `owner`: an EOA signs typed data directly; a DSP Safe signs through each of its own owners (their
   * signatures made for the Consortium Safe as parent) and contributes one contract signature (EIP-1271).
   */
  private async signAs(owner: OwnerSigner, sign: SignWithKit): Promise<SafeSignature> {
    if (owner.kind === "eoa") {
      const signed = await sign(await this.kit(this.consortium, owner.key), SigningMethod.ETH_SIGN_TYPED_DATA_V4);
      return signed.getSignature(addressOf(owner.key))!;
    }
    const inner: SafeSignature[] = [];
    for (const key of owner.keys) {
      const signed = await sign(await this.kit(owner.safe, key), SigningMethod.SAFE_SIGNATURE, this.consortium);
      inner.push(signed.getSignature(addressOf(key))!);
    }
    return buildContractSignature(inner, owner.safe);
  }

  private kit(safeAddress: string, key?: string): Promise<Safe> {
    const id = `${safeAddress}:${key ?? ""}`;
    let kit = this.kits.get(id);
    if (!kit) {
      kit = Safe.init({ provider: this.provider, signer: key, safeAddress, contractNetworks: this.contractNetworks });
      this.kits.set(id, kit);
    }
    return kit;
  }
}

/** The Safe-format signature set (sorted by signer, contract-signature data appended), as protocol-kit builds it. */
export function signatureSet(signatures: SafeSignature[]): string {
  return signatures.length === 0 ? "0x" : buildSignatureBytes(signatures);
}

/** The proposing agent's signature: its ECDSA signature over the manifest digest (EIP-712). */
export async function signProposal(agentKey: string, data: EIP712TypedData): Promise<string> {
  const types = Object.fromEntries(Object.entries(data.types).filter(([name]) => name !== "EIP712Domain"));
  const { name, version, chainId, verifyingContract } = data.domain;
  return new Wallet(agentKey).signTypedData({ name, version, chainId, verifyingContract }, types, data.message);
}

/** The TierRules contract at `address`. */
export function tierRules(address: string, runner: ContractRunner): Contract {
  return new Contract(address, ourArtifact("TierRules").abi, runner);
}

/** Asks TierRules whether an approval holds (a view: no transaction, no gas). */
export async function verifyApproval(
  rules: Contract,
  manifest: OnChainManifest,
  proposal: string,
  signatures: string,
): Promise<{ digest: string; verdict: Verdict }> {
  const [digest, raw] = await rules.getFunction("verify").staticCall(manifest, proposal, signatures);
  return { digest: digest as string, verdict: toVerdict(raw) };
}


/** A refusal by TierRules, with the contract's verdict and its explanation as the message. */
export class ApprovalRefusedError extends Error {
  constructor(readonly verdict: Verdict) {
    super(`approval refused (${verdict.refusal}): ${explainVerdict(verdict)}`);
    this.name = "ApprovalRefusedError";
  }
}

/** Records an approved manifest on-chain (once). Checks with the view first so that a refusal is reported with
 *  its reason instead of an opaque revert; throws ApprovalRefusedError then. */
export async function recordApproval(
  rules: Contract,
  manifest: OnChainManifest,
  proposal: string,
  signatures: string,
): Promise<{ digest: string; transactionHash: string }> {
  const { digest, verdict } = await verifyApproval(rules, manifest, proposal, signatures);
  if (verdict.refusal !== "None") throw new ApprovalRefusedError(verdict);
  const receipt = await (await rules.getFunction("record")(manifest, proposal, signatures)).wait();
  return { digest, transactionHash: receipt.hash as string };
}
