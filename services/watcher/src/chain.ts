/**
 * The chain edge: reads the consortium's events by polling logs, judges them with the consortium rule, and reads
 * the approvals recorded for this region (for the drift rule). Consortium events are judged once they are
 * `confirmations` blocks deep, from the block after the persisted cursor; a cursor whose block hash changed (a
 * reorg deeper than that) rewinds a few blocks, and breach keys already handled are never paused for again.
 */
import { Contract, Interface, JsonRpcProvider, type Log, type Provider, getAddress, id } from "ethers";
import type { Logger } from "pino";
import type { Breach } from "./breach";
import { REGIONS, type Region } from "./config";
import type { WatcherMetrics } from "./metrics";
import { GUARDIAN_ABI } from "./pauser";
import { ConsortiumLog, ZERO_ADDRESS, judgeConsortiumLogs } from "./rules/consortium";
import type { StateStore } from "./store";

const SAFE_ABI = [
  "event AddedOwner(address indexed owner)",
  "event RemovedOwner(address indexed owner)",
  "event ChangedThreshold(uint256 threshold)",
  "event ChangedGuard(address indexed guard)",
  "event ChangedModuleGuard(address indexed moduleGuard)",
  "event EnabledModule(address indexed module)",
  "event DisabledModule(address indexed module)",
  "event ChangedFallbackHandler(address indexed handler)",
  "event ExecutionSuccess(bytes32 indexed txHash, uint256 payment)",
  "event ExecutionFromModuleSuccess(address indexed module)",
];
const AGENTS_ABI = ["event AgentMinted(uint256 indexed tokenId, address indexed agent, address indexed dsp)", "event AgentBurned(uint256 indexed tokenId, address indexed agent, address indexed dsp)"];
const TIER_RULES_ABI = [
  "event ManifestRecorded(bytes32 indexed digest, uint8 indexed tier, address indexed proposer, uint8 regions, bytes32 planDigest)",
  "event DspReplaced(uint8 indexed region, address indexed oldDsp, address indexed newDsp)",
  "event BoardSignerReplaced(address indexed oldSigner, address indexed newSigner)",
  "event RuleChanged(uint8 indexed tier, uint8 dsps, uint8 board, bool regionDsp)",
  "event TierTableDigestSet(bytes32 indexed previousDigest, bytes32 indexed newDigest)",
];
const ROTATION_PROBE_ABI = ["function rules() view returns (address)", "function ROTATION_TYPEHASH() view returns (bytes32)"];
const ROTATION_TYPEHASH = id("Rotation(uint8 region,address oldDsp,address newDsp,address newAgent,uint256 nonce,uint64 expiry)");
/** Safe v1.5.0 GuardManager's storage slot of the transaction guard. */
export const GUARD_STORAGE_SLOT = "0x4a204f620c8c5ccdca3fd54d003badd85ba500436a431f0cbda4f558c93c34c8";
const MANIFEST_RECORDED = id("ManifestRecorded(bytes32,uint8,address,uint8,bytes32)");
/** How far a cursor rewinds when its block was reorganised away. */
export const REORG_REWIND_BLOCKS = 16;
const MAX_LOG_RANGE = 2000;

export interface ChainSettings {
  readonly rpcUrl: string;
  readonly guardian: string;
  readonly consortiumSafe: string;
  readonly tierRules: string;
  readonly confirmations: number;
  readonly approvalLookbackBlocks: number;
}

export interface ChainStatus {
  head?: number;
  judgedThrough?: number;
  guard?: string;
  rotationModules: string[];
  acceptedChanges: number;
  approvals: Array<{ block: number; at: string; digest: string }>;
  lastError?: string;
  lastPollAt?: string;
}

export interface ChainCallbacks {
  breach(b: Breach): void;
  /** The Guardian's state, read by a poll that began at `readAt`. */
  paused(paused: boolean, readAt: number): void;
  /** Approvals for this region (block times, ms), complete for everything up to a poll that started at `readAt`. */
  approvals(times: readonly number[], readAt: number): void;
}

export function makeProvider(rpcUrl: string): JsonRpcProvider {
  // staticNetwork: no chain-id round trip per request; polling stays ours (no ethers event subscriptions).
  return new JsonRpcProvider(rpcUrl, undefined, { staticNetwork: true, polling: false, cacheTimeout: -1 });
}

export class ChainWatcher {
  readonly status: ChainStatus = { rotationModules: [], acceptedChanges: 0, approvals: [] };
  private readonly region: Region;
  private readonly interfaces: Record<ConsortiumLog["source"], Interface> = { safe: new Interface(SAFE_ABI), agents: new Interface(AGENTS_ABI), tierRules: new Interface(TIER_RULES_ABI) };
  private readonly sourceOf = new Map<string, ConsortiumLog["source"]>();
  private readonly rotationProbe = new Map<string, boolean>();
  private approvalsThrough: number | undefined;
  private readonly approvalTimes: number[] = [];
  private agents: string | undefined;

  constructor(
    region: Region,
    private readonly settings: ChainSettings,
    private readonly provider: Provider,
    private readonly store: StateStore,
    private readonly logger: Logger,
    private readonly metrics: WatcherMetrics,
    private readonly callbacks: ChainCallbacks,
    private readonly judgeConsortium: boolean,
  ) {
    this.region = region;
  }

  /** One poll: Guardian state, approvals up to the head, consortium events up to the head minus confirmations. */
  async poll(): Promise<void> {
    const startedAt = Date.now();
    try {
      const guardian = new Contract(this.settings.guardian, GUARDIAN_ABI, this.provider);
      this.agents ??= (await guardian.agents()).toLowerCase() as string;
      this.sourceOf.set(this.settings.consortiumSafe, "safe").set(this.agents, "agents").set(this.settings.tierRules, "tierRules");
      const head = await this.provider.getBlockNumber();
      const headReadAt = Date.now();
      this.status.head = head;
      this.callbacks.paused((await guardian.paused({ blockTag: head })) as boolean, startedAt);
      await this.readApprovals(head, startedAt, headReadAt);
      if (this.judgeConsortium) await this.judge(head);
      this.metrics.checks.inc({ detector: "consortium" });
      this.status.lastError = undefined;
      this.status.lastPollAt = new Date().toISOString();
    } catch (error) {
      this.metrics.chainErrors.inc();
      this.status.lastError = (error as Error).message.split("\n")[0].slice(0, 300);
      this.logger.warn({ err: this.status.lastError }, "chain poll failed; retrying at the next poll");
    }
  }

  /** `headReadAt`: when `head` was read; every approval up to it had been recorded by then. */
  private async readApprovals(head: number, startedAt: number, headReadAt: number): Promise<void> {
    const from = this.approvalsThrough === undefined ? Math.max(0, head - this.settings.approvalLookbackBlocks) : this.approvalsThrough + 1;
    const bit = 1 << REGIONS.indexOf(this.region);
    for (let start = from; start <= head; start += MAX_LOG_RANGE) {
      const end = Math.min(head, start + MAX_LOG_RANGE - 1);
      const logs = await this.provider.getLogs({ address: this.settings.tierRules, topics: [MANIFEST_RECORDED], fromBlock: start, toBlock: end });
      for (const log of logs) {
        const parsed = this.interfaces.tierRules.parseLog(log);
        if (!parsed || (Number(parsed.args.regions) & bit) === 0) continue;
        // A block's time can run ahead of the wall clock (a dev chain mining a burst of blocks stamps each one
        // a second later); an approval is never later than the moment its block was known to be in the chain,
        // so take the earlier. That moment is when the head was read, not when this loop gets here: on a busy
        // machine the log and block queries before it took seconds, which made an approval look later than the
        // gated change it explains (a false drift breach).
        const block = await this.provider.getBlock(log.blockNumber);
        const at = Math.min(Number(block?.timestamp ?? 0) * 1000, headReadAt);
        this.approvalTimes.push(at);
        this.status.approvals = [...this.status.approvals, { block: log.blockNumber, at: new Date(at).toISOString(), digest: parsed.args.digest as string }].slice(-20);
        this.logger.info({ block: log.blockNumber, digest: parsed.args.digest, blockTime: Number(block?.timestamp ?? 0) * 1000, at }, "approval recorded for this region");
      }
    }
    this.approvalsThrough = head;
    this.callbacks.approvals(this.approvalTimes, startedAt);
  }

  private async judge(head: number): Promise<void> {
    const to = head - this.settings.confirmations;
    let cursor = this.store.get().chain;
    if (cursor === undefined) {
      // First start: judge from the next block on. What is on chain already (the deployment, its setup) is the
      // consortium's state as the watcher finds it.
      const start = head;
      const block = await this.provider.getBlock(start);
      this.store.update((s) => (s.chain = { block: start, hash: block?.hash ?? "", start }));
      cursor = this.store.get().chain!;
      this.logger.info({ block: start }, "no chain cursor: judging consortium events from this block on");
    }
    let from = cursor.block + 1;
    const seen = await this.provider.getBlock(cursor.block);
    if (seen?.hash !== cursor.hash) {
      from = Math.max(cursor.start + 1, cursor.block - REORG_REWIND_BLOCKS);
      this.logger.warn({ block: cursor.block, stored: cursor.hash, now: seen?.hash }, "the cursor's block was reorganised away; judging the last blocks again");
    }
    for (let start = from; start <= to; start += MAX_LOG_RANGE) {
      const end = Math.min(to, start + MAX_LOG_RANGE - 1);
      const raw = await this.provider.getLogs({ address: [...this.sourceOf.keys()].map((a) => getAddress(a)), fromBlock: start, toBlock: end });
      const logs = raw.map((l) => this.decode(l)).filter((l): l is ConsortiumLog => l !== undefined);
      const guardWord = await this.provider.getStorage(this.settings.consortiumSafe, GUARD_STORAGE_SLOT, start - 1);
      const guard = "0x" + guardWord.slice(-40).toLowerCase();
      const rotationModules = await this.rotationModules(logs);
      const judgement = judgeConsortiumLogs(logs, { guard, rotationModules });
      this.status.guard = judgement.context.guard;
      this.status.rotationModules = [...rotationModules];
      this.status.acceptedChanges += judgement.accepted;
      if (judgement.accepted > 0) this.logger.info({ accepted: judgement.accepted, from: start, to: end }, "consortium changes through an accepted path");
      for (const breach of judgement.breaches) this.callbacks.breach(breach);
      const block = await this.provider.getBlock(end);
      this.store.update((s) => (s.chain = { block: end, hash: block?.hash ?? "", start: cursor.start }));
    }
    this.status.judgedThrough = Math.max(this.store.get().chain?.block ?? 0, 0);
    if (this.status.guard === undefined) {
      const word = await this.provider.getStorage(this.settings.consortiumSafe, GUARD_STORAGE_SLOT, this.status.judgedThrough);
      this.status.guard = "0x" + word.slice(-40).toLowerCase();
      if (this.status.guard === ZERO_ADDRESS) this.logger.error("the Consortium Safe has no transaction guard: its direct transactions are not held to the critical tier");
    }
  }

  private decode(log: Log): ConsortiumLog | undefined {
    const source = this.sourceOf.get(log.address.toLowerCase());
    if (!source) return undefined;
    const parsed = this.interfaces[source].parseLog({ topics: [...log.topics], data: log.data });
    if (!parsed) return undefined;
    const args: Record<string, string> = {};
    parsed.fragment.inputs.forEach((input, i) => (args[input.name] = String(parsed.args[i]).toLowerCase()));
    return { txHash: log.transactionHash, logIndex: log.index, blockNumber: log.blockNumber, source, name: parsed.name, args };
  }

  /**
   * Modules that executed in these logs and are the Board's rotation module: it answers `rules()` with this
   * federation's TierRules and has the rotation typehash. Only the Consortium Safe can enable a module (a
   * `critical` transaction, or a module call that is itself judged), so a module that merely imitates these views
   * was put there by the consortium.
   */
  private async rotationModules(logs: readonly ConsortiumLog[]): Promise<Set<string>> {
    const modules = new Set(logs.filter((l) => l.name === "ExecutionFromModuleSuccess").map((l) => l.args.module));
    for (const module of modules) {
      if (this.rotationProbe.has(module)) continue;
      const probe = new Contract(module, ROTATION_PROBE_ABI, this.provider);
      const isRotation = await Promise.all([probe.rules(), probe.ROTATION_TYPEHASH()]).then(
        ([rules, typehash]) => String(rules).toLowerCase() === this.settings.tierRules && typehash === ROTATION_TYPEHASH,
        () => false,
      );
      this.rotationProbe.set(module, isRotation);
    }
    return new Set([...modules].filter((m) => this.rotationProbe.get(m)));
  }
}
