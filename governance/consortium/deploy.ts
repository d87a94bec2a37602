/**
 * Deploys the whole consortium to a chain: Safe v1.5.0 infrastructure, one Safe per DSP, the Consortium Safe
 * (owners: the DSP Safes and the DAO Board), the agent registry, Guardian, TierRules, the guard and both modules,
 * the announcement and region registries; then writes a deployment file that the gate and the CLI read.
 */
import { writeFileSync } from "node:fs";
import { Contract, Interface, ZeroHash, getCreateAddress, type Signer } from "ethers";
import { encodeMultiSendData, generatePreValidatedSignature } from "@safe-global/protocol-kit";
import { OperationType, type MetaTransactionData } from "@safe-global/types-kit";
import type { ContractNetworksConfig } from "@safe-global/protocol-kit";
import { factoryFor, ourArtifact, safeArtifact, SAFE_ARTIFACTS, type Artifact, type ContractName, type SafeArtifactName } from "./artifacts";
import { REGIONS, TIERS, type RegionName } from "./manifest";
import { z } from "zod";

const DAY = 24 * 3600;
const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, "must be a 0x-prefixed 20-byte address");
const bytes32 = z.string().regex(/^0x[0-9a-fA-F]{64}$/, "must be 0x-prefixed 32-byte hex (keccak256 of governance/gate/tier-table.json)");

/** What to deploy: one DSP per region (its Safe's owners and threshold, its agent) and the DAO Board signers. */
export const consortiumConfigSchema = z
  .object({
    dsps: z
      .array(
        z.object({
          name: z.string().min(1),
          region: z.enum(REGIONS),
          owners: z.array(address).min(1, "a DSP Safe needs at least one owner"),
          threshold: z.number().int().positive(),
          agent: address,
        }),
      )
      .length(REGIONS.length, "exactly one DSP per region"),
    board: z.array(address).min(1, "the DAO Board needs at least one signer"),
    /** keccak256 of governance/gate/tier-table.json's bytes, set in TierRules before the Safe is handed over. */
    tierTableDigest: bytes32.optional(),
    /** Seconds between a Board rotation's proposal and its earliest execution (the DSPs' window to cancel). */
    rotationDelaySeconds: z.number().int().positive().default(2 * DAY),
    /** Minimum seconds between two executed rotations (at least the delay). */
    rotationPeriodSeconds: z.number().int().positive().default(7 * DAY),
    /** Seconds a DSP's agent may not pause again after a critical unpause lifted its pause. */
    pauseCooldownSeconds: z.number().int().nonnegative().default(DAY),
  })
  .superRefine((cfg, ctx) => {
    REGIONS.forEach((region) => {
      if (!cfg.dsps.some((d) => d.region === region)) ctx.addIssue({ code: "custom", message: `no DSP for region ${region}`, path: ["dsps"] });
    });
    if (cfg.rotationPeriodSeconds < cfg.rotationDelaySeconds) {
      ctx.addIssue({ code: "custom", message: "the rotation period must be at least the rotation delay", path: ["rotationPeriodSeconds"] });
    }
    cfg.dsps.forEach((d, i) => {
      if (d.threshold > d.owners.length) {
        ctx.addIssue({ code: "custom", message: `threshold ${d.threshold} exceeds ${d.owners.length} owners`, path: ["dsps", i, "threshold"] });
      }
    });
  });
export type ConsortiumConfig = z.input<typeof consortiumConfigSchema>;

export interface DeployedDsp {
  name: string;
  region: RegionName;
  safe: string;
  owners: string[];
  threshold: number;
  agent: string;
}

/** The deployment file's content. */
export interface Deployment {
  chainId: number;
  consortium: string;
  consortiumThreshold: number;
  safeContracts: Record<SafeArtifactName, string>;
  contracts: Record<ContractName, string>;
  dsps: DeployedDsp[];
  board: string[];
  /** TierRules.tierTableDigest as set during deployment (zero when the config had none). */
  tierTableDigest: string;
  /** The limits set at deployment (immutable in the contracts). */
  rotationDelaySeconds: number;
  rotationPeriodSeconds: number;
  pauseCooldownSeconds: number;
  tiers: readonly string[];
  regions: readonly string[];
}

export type Progress = (step: string) => void;

/** Deploys everything with `deployer` paying gas; `deployer` is a temporary owner of the Consortium Safe only
 *  until the single setup transaction that hands it to the DSP Safes and the Board. */
export async function deployConsortium(deployer: Signer, input: ConsortiumConfig, progress: Progress = () => {}): Promise<Deployment> {
  const config = consortiumConfigSchema.parse(input);
  const dspsByRegion = REGIONS.map((r) => config.dsps.find((d) => d.region === r)!);
  const chainId = Number((await deployer.provider!.getNetwork()).chainId);

  progress("Safe v1.5.0 contracts");
  const safeContracts = await deploySafeInfrastructure(deployer);
  const me = await deployer.getAddress();

  progress("DSP Safes");
  const dsps: DeployedDsp[] = [];
  for (const [i, d] of dspsByRegion.entries()) {
    dsps.push({ ...d, safe: await createSafe(deployer, safeContracts, d.owners, d.threshold, BigInt(i + 1)) });
  }
  progress("Consortium Safe");
  const consortium = await createSafe(deployer, safeContracts, [me], 1, 0n);

  progress("consortium contracts");
  const contracts = await deployConsortiumContracts(deployer, consortium, dsps, config, safeContracts);

  progress("handing the Consortium Safe to the DSPs and the Board");
  const consortiumThreshold = REGIONS.length + 1;
  const tierTableDigest = config.tierTableDigest ?? ZeroHash;
  const batch = setupBatch(me, consortium, dsps, config.board, contracts, consortiumThreshold, tierTableDigest);
  await execAsSoleOwner(deployer, consortium, safeContracts.multiSendCallOnly, batch);
  const { rotationDelaySeconds, rotationPeriodSeconds, pauseCooldownSeconds } = config;
  return {
    chainId,
    consortium,
    consortiumThreshold,
    safeContracts,
    contracts,
    dsps,
    board: config.board,
    tierTableDigest,
    rotationDelaySeconds,
    rotationPeriodSeconds,
    pauseCooldownSeconds,
    tiers: TIERS,
    regions: REGIONS,
  };
}

/** protocol-kit's `contractNetworks` for a deployment (chain 31337 is not in safe-deployments). */
export function contractNetworks(d: Deployment): ContractNetworksConfig {
  const s = d.safeContracts;
  return {
    [String(d.chainId)]: {
      safeSingletonAddress: s.safeSingleton,
      safeProxyFactoryAddress: s.safeProxyFactory,
      multiSendAddress: s.multiSend,
      multiSendCallOnlyAddress: s.multiSendCallOnly,
      fallbackHandlerAddress: s.fallbackHandler,
      signMessageLibAddress: s.signMessageLib,
      createCallAddress: s.createCall,
      simulateTxAccessorAddress: s.simulateTxAccessor,
    },
  };
}

/** Writes the deployment file (JSON). */
export function writeDeploymentFile(file: string, deployment: Deployment): void {
  writeFileSync(file, JSON.stringify(deployment, null, 2) + "\n");
}

async function deploy(deployer: Signer, artifact: Artifact, args: unknown[] = []): Promise<string> {
  const contract = await factoryFor(artifact, deployer).deploy(...args);
  await contract.waitForDeployment();
  return contract.getAddress();
}

async function deploySafeInfrastructure(deployer: Signer): Promise<Record<SafeArtifactName, string>> {
  const out = {} as Record<SafeArtifactName, string>;
  for (const name of Object.keys(SAFE_ARTIFACTS) as SafeArtifactName[]) out[name] = await deploy(deployer, safeArtifact(name));
  return out;
}

/** Creates a Safe v1.5.0 proxy with the CompatibilityFallbackHandler; returns its address. */
export async function createSafe(deployer: Signer, s: Record<SafeArtifactName, string>, owners: string[], threshold: number, salt: bigint): Promise<string> {
  const safeIface = new Interface(safeArtifact("safeSingleton").abi);
  const zero = "0x0000000000000000000000000000000000000000";
  const setup = safeIface.encodeFunctionData("setup", [owners, threshold, zero, "0x", s.fallbackHandler, zero, 0, zero]);
  const factory = new Contract(s.safeProxyFactory, safeArtifact("safeProxyFactory").abi, deployer);
  const receipt = await (await factory.getFunction("createProxyWithNonce")(s.safeSingleton, setup, salt)).wait();
  for (const log of receipt.logs) {
    const parsed = factory.interface.parseLog(log);
    if (parsed?.name === "ProxyCreation") return parsed.args.proxy as string;
  }
  throw new Error("SafeProxyFactory emitted no ProxyCreation event");
}

async function deployConsortiumContracts(
  deployer: Signer,
  consortium: string,
  dsps: DeployedDsp[],
  config: z.output<typeof consortiumConfigSchema>,
  s: Record<SafeArtifactName, string>,
): Promise<Record<ContractName, string>> {
  const agents = await deploy(deployer, ourArtifact("AgentRegistry"), [consortium]);
  // Guardian asks TierRules who is a current agent and TierRules asks Guardian whether it is paused: Guardian is
  // deployed first with TierRules' address predicted from the deployer's next nonce (TierRules checks it).
  const predictedRules = getCreateAddress({ from: await deployer.getAddress(), nonce: (await deployer.getNonce("pending")) + 1 });
  const guardian = await deploy(deployer, ourArtifact("Guardian"), [consortium, agents, predictedRules, config.pauseCooldownSeconds]);
  const dspSafes = dsps.map((d) => d.safe);
  const rules = await deploy(deployer, ourArtifact("TierRules"), [consortium, agents, guardian, dspSafes, config.board]);
  const guard = await deploy(deployer, ourArtifact("ConsortiumGuard"), [consortium, rules, [s.multiSendCallOnly, s.signMessageLib]]);
  const announcements = await deploy(deployer, ourArtifact("Announcements"), [consortium]);
  const regionRegistry = await deploy(deployer, ourArtifact("RegionRegistry"), [consortium]);
  const classes = [
    { target: announcements, selector: selectorOf("Announcements", "post"), tier: TIERS.indexOf("fleet"), regionArg: false },
    { target: regionRegistry, selector: selectorOf("RegionRegistry", "setRegionConfig"), tier: TIERS.indexOf("operational"), regionArg: true },
  ];
  const fallbackHandler = await deploy(deployer, ourArtifact("ConsortiumFallbackHandler"), [consortium, rules, announcements]);
  const tierModule = await deploy(deployer, ourArtifact("TierModule"), [consortium, rules, guardian, classes]);
  const rotation = await deploy(deployer, ourArtifact("BoardRotationModule"), [
    consortium,
    rules,
    agents,
    config.rotationDelaySeconds,
    config.rotationPeriodSeconds,
  ]);
  return {
    AgentRegistry: agents,
    Guardian: guardian,
    TierRules: rules,
    ConsortiumGuard: guard,
    TierModule: tierModule,
    BoardRotationModule: rotation,
    Announcements: announcements,
    RegionRegistry: regionRegistry,
    ConsortiumFallbackHandler: fallbackHandler,
  };
}

/** Selector of a function of one of our contracts. */
export function selectorOf(contract: ContractName, fn: string): string {
  return new Interface(ourArtifact(contract).abi).getFunction(fn)!.selector;
}

/** Modules, agents, the tier-table digest and our fallback handler first, owners next, the deployer removed, the guard last (its after-check then never
 *  sees this transaction: the Safe reads the guard before executing). */
function setupBatch(
  deployer: string,
  consortium: string,
  dsps: DeployedDsp[],
  board: string[],
  c: Record<ContractName, string>,
  threshold: number,
  tierTableDigest: string,
): MetaTransactionData[] {
  const safe = new Interface(safeArtifact("safeSingleton").abi);
  const agents = new Interface(ourArtifact("AgentRegistry").abi);
  const rules = new Interface(ourArtifact("TierRules").abi);
  const self = (data: string): MetaTransactionData => ({ to: consortium, value: "0", data, operation: OperationType.Call });
  const newOwners = [...dsps.map((d) => d.safe), ...board];
  return [
    self(safe.encodeFunctionData("enableModule", [c.TierModule])),
    self(safe.encodeFunctionData("enableModule", [c.BoardRotationModule])),
    self(safe.encodeFunctionData("setFallbackHandler", [c.ConsortiumFallbackHandler])),
    ...dsps.map((d) => ({ to: c.AgentRegistry, value: "0", data: agents.encodeFunctionData("mint", [d.agent, d.safe]), operation: OperationType.Call })),
    ...(tierTableDigest === ZeroHash
      ? []
      : [{ to: c.TierRules, value: "0", data: rules.encodeFunctionData("setTierTableDigest", [tierTableDigest]), operation: OperationType.Call }]),
    ...newOwners.map((o) => self(safe.encodeFunctionData("addOwnerWithThreshold", [o, 1]))),
    // Owners are a linked list with new owners at the head: the deployer now follows the first owner added.
    self(safe.encodeFunctionData("removeOwner", [newOwners[0], deployer, threshold])),
    self(safe.encodeFunctionData("setGuard", [c.ConsortiumGuard])),
  ];
}

async function execAsSoleOwner(deployer: Signer, safeAddress: string, multiSendCallOnly: string, txs: MetaTransactionData[]): Promise<void> {
  const safe = new Contract(safeAddress, safeArtifact("safeSingleton").abi, deployer);
  const multiSend = new Interface(safeArtifact("multiSendCallOnly").abi);
  const data = multiSend.encodeFunctionData("multiSend", [encodeMultiSendData(txs)]);
  // The executor's own "approved hash" signature (v = 1) stands for the sole owner's consent.
  const signature = generatePreValidatedSignature(await deployer.getAddress()).data;
  const zero = "0x0000000000000000000000000000000000000000";
  const tx = await safe.getFunction("execTransaction")(multiSendCallOnly, 0, data, OperationType.DelegateCall, 0, 0, 0, zero, zero, signature);
  const receipt = await tx.wait();
  if (!receipt.logs.some((l: { topics: string[] }) => l.topics[0] === safe.interface.getEvent("ExecutionSuccess")!.topicHash)) {
    throw new Error("the Consortium Safe's setup transaction failed");
  }
}
