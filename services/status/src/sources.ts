/**
 * The edges the snapshot is built from: the replication nodes' status endpoint (with the server's token) and the
 * consortium contracts on the chain (state calls plus the events of the timeline, read incrementally).
 */
import { readFileSync } from "node:fs";
import { Contract, JsonRpcProvider, type EventLog } from "ethers";
import { z } from "zod";
import { ourArtifact } from "../../../governance/consortium/artifacts";
import type { Deployment } from "../../../governance/consortium/deploy";
import type { ChainEvent, ChainFacts, DeploymentFacts, NodeReport, Observation, RuleFact } from "./snapshot";

export const STATUS_PATH = "/v1/replication/status";
/** Short, so that a dead node shows as down within a poll or two rather than after a long TCP timeout. */
const REQUEST_TIMEOUT_MS = 2000;

const nodeReportSchema = z.object({
  node: z.string(),
  keys: z.number(),
  pendingCommit: z.number(),
  digest: z.string(),
  peers: z.array(z.object({ name: z.string(), node: z.string().optional(), state: z.string(), behindOps: z.number().optional(), lastStateAgeMs: z.number().optional(), lastError: z.string().optional() })),
});

const deploymentSchema = z.object({
  chainId: z.number(),
  consortium: z.string(),
  contracts: z.object({ Guardian: z.string(), TierRules: z.string(), AgentRegistry: z.string(), BoardRotationModule: z.string() }),
  dsps: z.array(z.object({ name: z.string(), region: z.string(), safe: z.string() })),
  tiers: z.array(z.string()),
  regions: z.array(z.string()),
});
export type DeploymentFile = z.infer<typeof deploymentSchema> & Pick<Deployment, "chainId">;

/** Reads the deployment file; a missing or malformed one is an error naming the file and the field. */
export function readDeployment(file: string): DeploymentFile {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new Error(`cannot read the deployment file ${file}: ${(error as Error).message} (governance/consortium/deploy.ts writes it; \`npm run contracts:deploy\`)`, { cause: error });
  }
  const parsed = deploymentSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`the deployment file ${file} is not one deploy.ts wrote: ${issue.path.join(".")}: ${issue.message}`);
  }
  return parsed.data;
}

export const deploymentFacts = (d: DeploymentFile): DeploymentFacts => ({ chainId: d.chainId, consortium: d.consortium, dsps: d.dsps, tiers: d.tiers, regions: d.regions });

/** Reads the token file at each call, so a renewed token is used from the next poll on. */
export function readToken(file: string): Observation<string> {
  try {
    const token = readFileSync(file, "utf8").trim();
    return token ? { ok: true, value: token } : { ok: false, error: `the token file ${file} is empty` };
  } catch (error) {
    return { ok: false, error: `cannot read the token file ${file}: ${(error as Error).message}` };
  }
}

/** One node's status; any failure is an error message, never a throw. */
export async function fetchNodeReport(baseUrl: string, token: Observation<string>): Promise<Observation<NodeReport>> {
  if (!token.ok) return token;
  try {
    const response = await fetch(`${baseUrl}${STATUS_PATH}`, { headers: { authorization: `Bearer ${token.value}` }, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    if (!response.ok) {
      const hint = response.status === 401 || response.status === 403 ? " (the token file must hold an unexpired replication token with scope `status`)" : "";
      return { ok: false, error: `HTTP ${response.status} from ${STATUS_PATH}${hint}` };
    }
    const parsed = nodeReportSchema.safeParse(await response.json());
    return parsed.success ? { ok: true, value: parsed.data } : { ok: false, error: `unexpected status document: ${parsed.error.issues[0]?.message}` };
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    return { ok: false, error: `not answering: ${cause ?? (error as Error).message}` };
  }
}

/** The timeline's events, by contract (contracts/README.md). */
const TIMELINE_EVENTS = {
  Guardian: ["Paused", "Unpaused"],
  TierRules: ["ManifestRecorded"],
  BoardRotationModule: ["RotationProposed", "DspRotated", "RotationCancelled"],
} as const;

const plain = (value: unknown): string | number | boolean => (typeof value === "bigint" ? Number(value) : typeof value === "boolean" || typeof value === "number" ? value : String(value));

/** Reads the consortium's public state; remembers events already read and asks only for new blocks. */
export class ChainReader {
  private readonly provider: JsonRpcProvider;
  private readonly guardian: Contract;
  private readonly rules: Contract;
  private readonly agents: Contract;
  private readonly contracts: Record<keyof typeof TIMELINE_EVENTS, Contract>;
  private events: ChainEvent[] = [];
  private nextBlock = 0;
  private readonly blockTimes = new Map<number, number>();

  constructor(
    rpcUrl: string,
    private readonly deployment: DeploymentFile,
  ) {
    this.provider = new JsonRpcProvider(rpcUrl, deployment.chainId, { staticNetwork: true, cacheTimeout: -1 });
    const at = (name: "Guardian" | "TierRules" | "AgentRegistry" | "BoardRotationModule") => new Contract(deployment.contracts[name], ourArtifact(name).abi, this.provider);
    this.guardian = at("Guardian");
    this.rules = at("TierRules");
    this.agents = at("AgentRegistry");
    this.contracts = { Guardian: this.guardian, TierRules: this.rules, BoardRotationModule: at("BoardRotationModule") };
  }

  async read(): Promise<Observation<ChainFacts>> {
    try {
      const latest = await this.provider.getBlockNumber();
      // Every call reads that one block, so the state agrees with the events read up to it (a pause and its reason).
      const at = { blockTag: latest };
      const [paused, pausedBy, board, seats, rules] = await Promise.all([
        this.guardian.paused(at) as Promise<boolean>,
        this.guardian.pausedBy(at) as Promise<string>,
        this.rules.boardSigners(at).then((list: string[]) => list.map(String)),
        Promise.all(this.deployment.regions.map(async (_, i) => {
          const dsp = String(await this.rules.dspOf(i, at));
          return { dsp, agent: String(await this.agents.agentOfDsp(dsp, at)) };
        })),
        Promise.all(this.deployment.tiers.map(async (tier, i): Promise<RuleFact> => {
          const r = await this.rules.ruleOf(i, at);
          return { tier, dsps: Number(r.dsps), board: Number(r.board), regionDsp: Boolean(r.regionDsp) };
        })),
      ]);
      // A chain that went back (a local chain restarted from empty) invalidates the events read so far.
      if (latest < this.nextBlock - 1) {
        this.events = [];
        this.nextBlock = 0;
      }
      if (latest >= this.nextBlock) {
        this.events.push(...(await this.newEvents(this.nextBlock, latest)));
        this.nextBlock = latest + 1;
      }
      return { ok: true, value: { paused, pausedBy, board, seats, rules, events: this.events } };
    } catch (error) {
      const cause = (error as { code?: string; shortMessage?: string }).shortMessage ?? (error as Error).message;
      return { ok: false, error: `chain ${this.provider._getConnection().url}: ${cause}` };
    }
  }

  private async newEvents(fromBlock: number, toBlock: number): Promise<ChainEvent[]> {
    const found: ChainEvent[] = [];
    for (const [name, events] of Object.entries(TIMELINE_EVENTS) as Array<[keyof typeof TIMELINE_EVENTS, readonly string[]]>) {
      const contract = this.contracts[name];
      for (const eventName of events) {
        const logs = (await contract.queryFilter(contract.getEvent(eventName), fromBlock, toBlock)) as EventLog[];
        for (const log of logs) {
          const args: ChainEvent["args"] = {};
          log.fragment.inputs.forEach((input, i) => (args[input.name] = plain(log.args[i])));
          found.push({ contract: name, name: eventName, block: log.blockNumber, logIndex: log.index, timestamp: await this.blockTime(log.blockNumber), tx: log.transactionHash, args });
        }
      }
    }
    return found;
  }

  private async blockTime(block: number): Promise<number> {
    let time = this.blockTimes.get(block);
    if (time === undefined) {
      time = (await this.provider.getBlock(block))!.timestamp;
      this.blockTimes.set(block, time);
    }
    return time;
  }

  close(): void {
    this.provider.destroy();
  }
}
