/** `dsc status`: the consortium as the chain has it now. */
import type { Chain } from "../gate/chain";
import { TIERS } from "../consortium/manifest";
import { pendingBundles, pendingText, type PendingBundle } from "./pendingBundles";

export interface ConsortiumStatus {
  chainId: number;
  consortium: string;
  threshold: number;
  paused: boolean;
  tierTableDigest: string;
  dsps: { name: string; region: string; safe: string; owners: string[]; threshold: number; agent: string }[];
  board: string[];
  rules: { tier: string; dsps: number; board: number; regionDsp: boolean }[];
  lastRecorded: Record<string, { digest: string; tier: string; block: number }>;
  /** Bundles of the changes folder not recorded yet: tier, who signed, what is missing. */
  pending: PendingBundle[];
}

export async function consortiumStatus(chain: Chain, changesDir?: string): Promise<ConsortiumStatus> {
  await chain.assertReachable();
  const rules = chain.contract("TierRules");
  const agents = chain.contract("AgentRegistry");
  const safe = chain.safe(chain.deployment.consortium);
  const regions = ["alpha", "beta", "gamma"];
  const dsps = await Promise.all(regions.map(async (region, r) => {
    const address = (await rules.dspOf(r)) as string;
    const s = chain.safe(address);
    return {
      name: chain.deployment.dsps.find((d) => d.safe.toLowerCase() === address.toLowerCase())?.name ?? `DSP of ${region}`,
      region,
      safe: address,
      owners: (await s.getOwners()) as string[],
      threshold: Number(await s.getThreshold()),
      agent: (await agents.agentOfDsp(address)) as string,
    };
  }));
  const ruleList = await Promise.all(["critical", "fleet", "operational"].map(async (tier) => {
    const r = await rules.ruleOf(TIERS.indexOf(tier as "critical"));
    return { tier, dsps: Number(r.dsps), board: Number(r.board), regionDsp: Boolean(r.regionDsp) };
  }));
  // The last ManifestRecorded per stack: the stack is in the manifest, not the event, so the event's transaction is decoded.
  const lastRecorded: ConsortiumStatus["lastRecorded"] = {};
  const events = await rules.queryFilter(rules.filters.ManifestRecorded(), 0, "latest");
  const recorded = new Set(events.map((e) => ("args" in e ? String(e.args[0]).toLowerCase() : "")));
  for (const e of events) {
    const tx = await chain.provider.getTransaction(e.transactionHash);
    const parsed = tx ? rules.interface.parseTransaction({ data: tx.data }) : null;
    const stack = parsed?.args[0]?.stack as string | undefined;
    if (stack !== undefined && "args" in e) lastRecorded[stack] = { digest: e.args[0] as string, tier: TIERS[Number(e.args[1])], block: e.blockNumber };
  }
  const board = (await rules.boardSigners()) as string[];
  const block = await chain.provider.getBlock("latest");
  const pending = changesDir === undefined ? [] : pendingBundles(changesDir, recorded, { dsps, board, rules: ruleList }, block?.timestamp ?? Math.floor(Date.now() / 1000));
  return {
    chainId: chain.deployment.chainId,
    consortium: chain.deployment.consortium,
    threshold: Number(await safe.getThreshold()),
    paused: Boolean(await chain.contract("Guardian").paused()),
    tierTableDigest: (await rules.tierTableDigest()) as string,
    dsps,
    board,
    rules: ruleList,
    lastRecorded,
    pending,
  };
}

export function statusText(s: ConsortiumStatus): string {
  return [
    `Consortium Safe ${s.consortium} on chain ${s.chainId} (threshold ${s.threshold}); ${s.paused ? "PAUSED by the Guardian: only critical changes pass" : "not paused"}`,
    `tier table digest ${s.tierTableDigest}`,
    ...s.dsps.map((d) => `  ${d.name} (${d.region}): Safe ${d.safe}, ${d.threshold} of ${d.owners.length} owners, agent ${d.agent}`),
    `  DAO Board: ${s.board.join(", ")}`,
    ...s.rules.map((r) => `  ${r.tier}: ${r.dsps} DSPs + ${r.board} Board${r.regionDsp ? ", and each touched region's DSP" : ""}`),
    ...Object.entries(s.lastRecorded).map(([stack, r]) => `  last recorded for ${stack}: ${r.tier} ${r.digest} (block ${r.block})`),
    ...pendingText(s.pending),
  ].join("\n");
}
