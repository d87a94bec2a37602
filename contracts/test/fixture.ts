/**
 * Shared test fixture: the whole consortium deployed once per test file on Hardhat's in-process chain, with
 * deterministic keys, a protocol-kit signer, and helpers to build and approve manifests. Tests isolate
 * themselves with evm_snapshot / evm_revert.
 */
import hre from "hardhat";
import { BrowserProvider, Contract, Wallet, id, type Eip1193Provider } from "ethers";
import { DEV_KEYS, devConsortiumConfig } from "../../governance/consortium/dev-keys";
import { ourArtifact, safeArtifact, type ContractName } from "../../governance/consortium/artifacts";
import { contractNetworks, createSafe, deployConsortium, type Deployment } from "../../governance/consortium/deploy";
import { manifestTypedData, toOnChainManifest, type ManifestInput, type OnChainManifest } from "../../governance/consortium/manifest";
import { ApprovalSigner, addressOf, signatureSet, signProposal, type OwnerSigner } from "../../governance/consortium/approvals";
import type { EIP712TypedData, MetaTransactionData, SafeSignature } from "@safe-global/types-kit";
import type { ContractTransactionReceipt } from "ethers";
import { approvalNonce, moduleCallTypedData, type ModuleCall } from "../../governance/consortium/calls";

/** The local federation's deterministic keys (governance/consortium/dev-keys.ts). */
export const KEYS = DEV_KEYS;

/** Owners of the Consortium Safe, plus DSP-4 and DSP-5: DSP Safes deployed outside the consortium, ready to rotate in. */
export type OwnerName = "dsp1" | "dsp2" | "dsp3" | "dsp4" | "dsp5" | "board1" | "board2";

export interface Fixture {
  provider: BrowserProvider;
  eip1193: Eip1193Provider;
  deployment: Deployment;
  signer: ApprovalSigner;
  owners: Record<OwnerName, OwnerSigner>;
  contract(name: ContractName, runner?: Wallet): Contract;
  consortiumSafe(runner?: Wallet): Contract;
  wallet(key: string): Wallet;
  manifest(overrides?: Partial<ManifestInput>): OnChainManifest;
  typedData(m: OnChainManifest): EIP712TypedData;
  sign(data: EIP712TypedData, who: OwnerName[]): Promise<SafeSignature[]>;
  approve(m: OnChainManifest, who: OwnerName[]): Promise<{ proposal: string; signatures: string }>;
  /** Executes a Consortium Safe transaction signed by `who` (several calls are batched with MultiSendCallOnly). */
  execSafeTx(txs: MetaTransactionData[], who: OwnerName[]): Promise<ContractTransactionReceipt>;
  /** Executes a call through the TierModule, approved by `who`. */
  execModuleCall(to: string, data: string, who: OwnerName[]): Promise<ContractTransactionReceipt>;
  /** A TierModule call approved by `who`, not yet executed: the call and its signature set. */
  approveModuleCall(to: string, data: string, who: OwnerName[]): Promise<{ call: ModuleCall; signatures: string }>;
  /** Moves the chain's clock forward by `seconds` (and mines a block). */
  increaseTime(seconds: number): Promise<void>;
  snapshot(): Promise<string>;
  revert(id: string): Promise<void>;
  now(): Promise<number>;
}

/** The tier-table digest the fixture deploys with (a stand-in for keccak256 of the gate's tier-table.json). */
export const TIER_TABLE_DIGEST = id("tier-table v1");

let nonce = 0n;

/** Funds an address on the in-process chain (test accounts start empty). */
export async function fund(eip1193: Eip1193Provider, address: string): Promise<void> {
  await eip1193.request({ method: "hardhat_setBalance", params: [address, "0x56BC75E2D63100000"] });
}

export async function deployFixture(): Promise<Fixture> {
  const eip1193 = hre.network.provider as unknown as Eip1193Provider;
  const provider = new BrowserProvider(eip1193, undefined, { polling: false, cacheTimeout: -1 });
  provider.pollingInterval = 20;
  const wallet = (key: string): Wallet => new Wallet(key, provider);
  for (const key of [KEYS.deployer, KEYS.outsider, KEYS.agent4, ...KEYS.agents, ...KEYS.board]) await fund(eip1193, addressOf(key));
  const deployment = await deployConsortium(wallet(KEYS.deployer), { ...devConsortiumConfig(), tierTableDigest: TIER_TABLE_DIGEST });
  const dsp4 = await createSafe(wallet(KEYS.deployer), deployment.safeContracts, KEYS.dsp4.map(addressOf), 1, 4n);
  const dsp5 = await createSafe(wallet(KEYS.deployer), deployment.safeContracts, KEYS.dsp5.map(addressOf), 1, 5n);
  const signer = new ApprovalSigner(eip1193, deployment.consortium, contractNetworks(deployment));
  const owners: Record<OwnerName, OwnerSigner> = {
    dsp1: { kind: "safe", safe: deployment.dsps[0].safe, keys: KEYS.dsp1 },
    dsp2: { kind: "safe", safe: deployment.dsps[1].safe, keys: KEYS.dsp2 },
    dsp3: { kind: "safe", safe: deployment.dsps[2].safe, keys: [KEYS.dsp3[0]] },
    dsp4: { kind: "safe", safe: dsp4, keys: KEYS.dsp4 },
    dsp5: { kind: "safe", safe: dsp5, keys: KEYS.dsp5 },
    board1: { kind: "eoa", key: KEYS.board[0] },
    board2: { kind: "eoa", key: KEYS.board[1] },
  };
  const now = async () => Number((await provider.getBlock("latest"))!.timestamp);
  const typedData = (m: OnChainManifest) =>
    manifestTypedData(m, { chainId: deployment.chainId, tierRules: deployment.contracts.TierRules });
  const sign = async (data: EIP712TypedData, who: OwnerName[]) => {
    const out: SafeSignature[] = [];
    for (const w of who) out.push(await signer.signMessage(owners[w], data));
    return out;
  };
  const startTime = await now();
  const contract = (name: ContractName, runner?: Wallet) => new Contract(deployment.contracts[name], ourArtifact(name).abi, runner ?? provider);
  const consortiumSafe = (runner?: Wallet) => new Contract(deployment.consortium, safeArtifact("safeSingleton").abi, runner ?? provider);
  const execSafeTx = async (txs: MetaTransactionData[], who: OwnerName[]) => {
    const tx = await signer.createTransaction(txs);
    const sigs: SafeSignature[] = [];
    for (const w of who) sigs.push(await signer.signTransaction(owners[w], tx));
    const d = tx.data;
    const safe = consortiumSafe(wallet(KEYS.outsider));
    const args = [d.to, d.value, d.data, d.operation, d.safeTxGas, d.baseGas, d.gasPrice, d.gasToken, d.refundReceiver, signatureSet(sigs)];
    return (await (await safe.getFunction("execTransaction")(...args)).wait()) as ContractTransactionReceipt;
  };
  const approveModuleCall = async (to: string, data: string, who: OwnerName[]) => {
    const call: ModuleCall = { to, value: 0n, data, nonce: approvalNonce(), expiry: BigInt((await now()) + 30 * 24 * 3600) };
    const sigs = await sign(moduleCallTypedData(call, deployment.chainId, deployment.contracts.TierModule), who);
    return { call, signatures: signatureSet(sigs) };
  };
  const execModuleCall = async (to: string, data: string, who: OwnerName[]) => {
    const module = contract("TierModule", wallet(KEYS.outsider));
    const { call, signatures } = await approveModuleCall(to, data, who);
    return (await (await module.execute(to, 0, data, call.nonce, call.expiry, signatures)).wait()) as ContractTransactionReceipt;
  };
  return {
    provider,
    eip1193,
    deployment,
    signer,
    owners,
    wallet,
    contract,
    consortiumSafe,
    execSafeTx,
    execModuleCall,
    approveModuleCall,
    increaseTime: async (seconds) => {
      await eip1193.request({ method: "evm_increaseTime", params: [seconds] });
      await eip1193.request({ method: "evm_mine", params: [] });
    },
    manifest: (overrides = {}) =>
      toOnChainManifest({
        project: "dsc-federation",
        stack: "alpha",
        planDigest: id("plan"),
        sourceCommit: "0123456789abcdef0123456789abcdef01234567",
        lockfileDigest: id("lockfile"),
        configDigest: id("config"),
        tier: "critical",
        regions: ["alpha", "beta", "gamma"],
        expiry: startTime + 30 * 24 * 3600,
        nonce: ++nonce,
        ...overrides,
      }),
    typedData,
    sign,
    approve: async (m, who) => ({
      proposal: await signProposal(KEYS.agents[0], typedData(m)),
      signatures: signatureSet(await sign(typedData(m), who)),
    }),
    snapshot: async () => (await eip1193.request({ method: "evm_snapshot", params: [] })) as string,
    revert: async (snap) => {
      await eip1193.request({ method: "evm_revert", params: [snap] });
    },
    now,
  };
}
