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
import { rotationTypedData } from "../../../../governance/consortium/calls";
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
  /** The Board rotates beta's DSP Safe out for DSP-4 (the rotation module path). */
  rotateBeta(): Promise<ContractTransactionReceipt>;
  unpause(): Promise<void>;
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
  const outsider = f.wallet(KEYS.outsider);
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
      const rotation = f.contract("BoardRotationModule", outsider);
      const dsp4 = f.owners.dsp4 as { safe: string };
      const r = {
        region: 1,
        oldDsp: f.deployment.dsps[1].safe,
        newDsp: dsp4.safe,
        newAgent: f.wallet(KEYS.agent4).address,
        nonce: (await rotation.nonce()) as bigint,
        expiry: BigInt((await f.now()) + 3600),
      };
      const sigs = await f.sign(rotationTypedData(r, f.deployment.chainId, f.deployment.contracts.BoardRotationModule), ["board1", "board2"]);
      return (await (await rotation.rotate(r.region, r.newDsp, r.newAgent, r.expiry, signatureSet(sigs))).wait()) as ContractTransactionReceipt;
    },
    async unpause() {
      const data = new Interface(ourArtifact("Guardian").abi).encodeFunctionData("unpause", []);
      await f.execSafeTx([{ to: f.deployment.contracts.Guardian, value: "0", data, operation: OperationType.Call }], CRITICAL);
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
