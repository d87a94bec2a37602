/**
 * Test chain: the consortium deployed on Hardhat's in-process network (contracts/test/fixture.ts), served on a
 * loopback JSON-RPC port so watchers talk to it exactly as to a real node, plus the actions tests need.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import hre from "hardhat";
import { Contract, Interface, type ContractTransactionReceipt } from "ethers";
import { OperationType } from "@safe-global/types-kit";
import pino from "pino";
import { JsonRpcServer } from "hardhat/internal/hardhat-network/jsonrpc/server";
import { deployFixture, KEYS, type Fixture, type OwnerName } from "../../../../contracts/test/fixture";
import { safeArtifact, ourArtifact } from "../../../../governance/consortium/artifacts";
import { executeRotation, proposeRotation, rotationToSign } from "../../../../governance/consortium/operations";
import { signatureSet } from "../../../../governance/consortium/approvals";
import { resolveConfig, type RawSettings, type Region, type WatcherConfig } from "../config";
import { startWatcher, type RunningWatcher } from "../watcher";

export const CRITICAL: OwnerName[] = ["dsp1", "dsp2", "dsp3", "board1"];
const safeIface = new Interface(safeArtifact("safeSingleton").abi);
const REGION_INDEX: Record<Region, number> = { alpha: 0, beta: 1, gamma: 2 };

export interface TestChain {
  readonly f: Fixture;
  readonly rpcUrl: string;
  readonly root: string;
  /** A critical Consortium Safe transaction calling the Safe itself. */
  safeCall(fn: string, args: unknown[]): Promise<ContractTransactionReceipt>;
  /** Enables `module` (an EOA here) by a critical transaction, then has it add an owner straight through the module path. */
  ownerAddedThroughModule(moduleKey: string, newOwner: string): Promise<ContractTransactionReceipt>;
  /** The Board rotates beta's DSP Safe out for DSP-4 (the rotation module path): proposal, delay, execution. */
  rotateBeta(): Promise<ContractTransactionReceipt>;
  /** The critical unpause, removing `removeOwners` in the same transaction; then the pausing DSP's cooldown is let run out. */
  unpause(removeOwners?: string[]): Promise<void>;
  pausedEvents(): Promise<Array<{ agent: string; reason: string }>>;
  /** A watcher of `region`, with its agent key, in a fresh (or given) state folder. */
  watcher(region: Region, overrides?: RawSettings, stateDir?: string): Promise<{ watcher: RunningWatcher; config: WatcherConfig }>;
  close(): Promise<void>;
}

export async function startTestChain(): Promise<TestChain> {
  const f = await deployFixture();
  const server = new JsonRpcServer({ hostname: "127.0.0.1", port: 0, provider: hre.network.provider });
  const { port } = await server.listen();
  const rpcUrl = `http://127.0.0.1:${port}`;
  const root = mkdtempSync(join(tmpdir(), "dsc-watcher-chain-"));
  const safeCall = (fn: string, args: unknown[]) =>
    f.execSafeTx([{ to: f.deployment.consortium, value: "0", data: safeIface.encodeFunctionData(fn, args), operation: OperationType.Call }], CRITICAL);
  const guardian = f.contract("Guardian");
  let watchers = 0;

  return {
    f,
    rpcUrl,
    root,
    safeCall,
    async ownerAddedThroughModule(moduleKey, newOwner) {
      const module = f.wallet(moduleKey);
      const safe = new Contract(f.deployment.consortium, safeArtifact("safeSingleton").abi, module);
      if (!(await safe.isModuleEnabled(module.address))) await safeCall("enableModule", [module.address]);
      const data = safeIface.encodeFunctionData("addOwnerWithThreshold", [newOwner, 4]);
      return (await (await safe.execTransactionFromModule(f.deployment.consortium, 0, data, OperationType.Call)).wait()) as ContractTransactionReceipt;
    },
    async rotateBeta() {
      const outsider = f.wallet(KEYS.outsider);
      const dsp4 = f.owners.dsp4 as { safe: string };
      const expiry = BigInt((await f.now()) + f.deployment.rotationDelaySeconds + 3600);
      const { rotation, typedData } = await rotationToSign(f.deployment, f.provider, { region: 1, newDsp: dsp4.safe, newAgent: f.wallet(KEYS.agent4).address, expiry });
      await proposeRotation(f.deployment, outsider, rotation, signatureSet(await f.sign(typedData, ["board1", "board2"])));
      await f.increaseTime(f.deployment.rotationDelaySeconds);
      return executeRotation(f.deployment, outsider);
    },
    async unpause(removeOwners = []) {
      const data = new Interface(ourArtifact("Guardian").abi).encodeFunctionData("unpause", []);
      // The remedy first: owners that are no signer-group member must go, or the guard refuses the transaction.
      const owners = [...((await f.consortiumSafe().getOwners()) as string[])];
      const removals = removeOwners.map((owner) => {
        const i = owners.findIndex((o) => o.toLowerCase() === owner.toLowerCase());
        const prev = i === 0 ? "0x0000000000000000000000000000000000000001" : owners[i - 1];
        owners.splice(i, 1);
        return { to: f.deployment.consortium, value: "0", data: safeIface.encodeFunctionData("removeOwner", [prev, owner, 4]), operation: OperationType.Call };
      });
      await f.execSafeTx([...removals, { to: f.deployment.contracts.Guardian, value: "0", data, operation: OperationType.Call }], CRITICAL);
      // The pausing DSP's anti-griefing cooldown runs out, so the same agent can pause the next breach.
      await f.increaseTime(f.deployment.pauseCooldownSeconds);
    },
    async pausedEvents() {
      const logs = await guardian.queryFilter(guardian.filters.Paused(), 0);
      return logs.map((l) => {
        const parsed = guardian.interface.parseLog(l)!;
        return { agent: String(parsed.args.agent), reason: String(parsed.args.reason) };
      });
    },
    async watcher(region, overrides = {}, stateDir) {
      const dir = stateDir ?? mkdtempSync(join(root, `${region}-`));
      const keyFile = join(root, `${region}-${++watchers}.key`);
      writeFileSync(keyFile, KEYS.agents[REGION_INDEX[region]] + "\n", { mode: 0o600 });
      const raw: RawSettings = {
        region,
        listen: "127.0.0.1:0",
        detectors: "consortium",
        chainRpcUrl: rpcUrl,
        guardianAddress: f.deployment.contracts.Guardian,
        consortiumSafeAddress: f.deployment.consortium,
        tierRulesAddress: f.deployment.contracts.TierRules,
        confirmations: "0",
        agentKeyFile: keyFile,
        stateDir: dir,
        pollInterval: "100ms",
        ...overrides,
      };
      const result = resolveConfig(raw, false);
      if (!result.ok) throw new Error(result.errors.join("\n"));
      const logger = pino({ level: process.env.WATCHER_TEST_LOG ?? "silent" });
      return { watcher: await startWatcher(result.config, logger), config: result.config };
    },
    async close() {
      await server.close();
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/** Polls `check` every 50 ms until it returns a value, or throws after `timeoutMs`. */
export async function until<T>(what: string, check: () => Promise<T | undefined> | T | undefined, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await check();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}
