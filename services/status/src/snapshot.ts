/**
 * The federation snapshot: folds what the replication nodes and the chain report into the facts the status page
 * shows. Pure (no I/O, the clock passed in), so every classification here is tested on its own.
 */

/** One peer as a replication node reports it (GET /v1/replication/status `peers[]`). */
export interface PeerReport {
  name: string;
  node?: string;
  state: string;
  behindOps?: number;
  lastStateAgeMs?: number;
  lastError?: string;
}

/** A replication node's own report. */
export interface NodeReport {
  node: string;
  keys: number;
  pendingCommit: number;
  digest: string;
  peers: PeerReport[];
}

export type Observation<T> = { ok: true; value: T } | { ok: false; error: string };

export interface RegionInput {
  name: string;
  url: string;
  observation: Observation<NodeReport>;
}

/** A decoded chain event of the consortium contracts. */
export interface ChainEvent {
  contract: "Guardian" | "TierRules" | "BoardRotationModule";
  name: string;
  block: number;
  logIndex: number;
  /** Block timestamp, seconds. */
  timestamp: number;
  tx: string;
  args: Record<string, string | number | boolean>;
}

export interface RuleFact {
  tier: string;
  dsps: number;
  board: number;
  regionDsp: boolean;
}

export interface ChainFacts {
  paused: boolean;
  /** The DSP Safe whose agent paused (zero address when not paused). */
  pausedBy: string;
  /** The DAO Board's signers. */
  board: string[];
  /** Per region index: the current DSP Safe and its agent (zero address when none). */
  seats: Array<{ dsp: string; agent: string }>;
  rules: RuleFact[];
  events: ChainEvent[];
}

/** The public part of the deployment file the page needs (no keys are in it). */
export interface DeploymentFacts {
  chainId: number;
  consortium: string;
  dsps: Array<{ name: string; region: string; safe: string }>;
  tiers: readonly string[];
  regions: readonly string[];
}

export type Health = "healthy" | "degraded" | "down";
export type LinkState = "up" | "partial" | "down";

export interface RegionView {
  name: string;
  health: Health;
  node?: string;
  keys?: number;
  pendingCommit?: number;
  digest?: string;
  /** Why the region is not healthy. */
  problem?: string;
}

export interface LinkView {
  a: string;
  b: string;
  state: LinkState;
  /** Operations a has that b had not seen at its last report, and the reverse (absent when unknown). */
  aheadOfB?: number;
  aheadOfA?: number;
  /** Age of the freshest state report across the link, ms (absent when unknown). */
  reportAgeMs?: number;
}

export interface TimelineEntry {
  kind: "approval" | "pause" | "unpause" | "rotation-proposed" | "rotation-executed" | "rotation-cancelled";
  at: string;
  block: number;
  tx: string;
  text: string;
}

export interface FederationSnapshot {
  generatedAt: string;
  chainId: number;
  consortium: string;
  regions: RegionView[];
  links: LinkView[];
  /** Whether every reachable region holds the same digest with nothing pending (false when none is reachable). */
  converged: boolean;
  guardian: { state: "running" | "paused" | "unknown"; pausedBy?: string; reason?: string; since?: string; problem?: string };
  agents: Array<{ region: string; dsp: string; dspSafe: string; agent: string }>;
  rules: RuleFact[];
  timeline: TimelineEntry[];
  /** Change bundles not recorded on the chain yet (none when the server has no changes folder). */
  bundles: BundleView[];
}

/** A change bundle awaiting signatures or `dsc up`: public facts of its manifest and signatures file. */
export interface BundleView {
  name: string;
  stack: string;
  tier: string;
  regions: string[];
  signed: string[];
  missing: string[];
}

export const TIMELINE_LIMIT = 50;
const ZERO = "0x0000000000000000000000000000000000000000";

const sameAddress = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/** The peer entry of `region` in `report`: by configured name, or by the node name `<region>-<replica>`. */
export function peerFor(report: NodeReport, region: string): PeerReport | undefined {
  return report.peers.find((p) => p.name === region) ?? report.peers.find((p) => p.node?.startsWith(`${region}-`));
}

export function regionView(input: RegionInput, others: readonly string[]): RegionView {
  if (!input.observation.ok) return { name: input.name, health: "down", problem: input.observation.error };
  const report = input.observation.value;
  const cut = others.filter((other) => peerFor(report, other)?.state !== "connected");
  const base = { name: input.name, node: report.node, keys: report.keys, pendingCommit: report.pendingCommit, digest: report.digest };
  return cut.length === 0 ? { ...base, health: "healthy" } : { ...base, health: "degraded", problem: `not connected to ${cut.join(", ")}` };
}

export function linkView(a: RegionInput, b: RegionInput): LinkView {
  const side = (from: RegionInput, to: string) => (from.observation.ok ? peerFor(from.observation.value, to) : undefined);
  const ab = side(a, b.name);
  const ba = side(b, a.name);
  const connected = [ab, ba].filter((p) => p?.state === "connected").length;
  // A link is up only when both ends say so; one end saying so is a half-seen link (the other end is down or not
  // yet reconnected), shown apart so that a kill is visible at once on both of the dead region's links.
  const state: LinkState = connected === 2 ? "up" : connected === 1 ? "partial" : "down";
  const ages = [ab?.lastStateAgeMs, ba?.lastStateAgeMs].filter((x): x is number => typeof x === "number");
  const view: LinkView = { a: a.name, b: b.name, state };
  if (ab?.state === "connected" && typeof ab.behindOps === "number") view.aheadOfB = ab.behindOps;
  if (ba?.state === "connected" && typeof ba.behindOps === "number") view.aheadOfA = ba.behindOps;
  if (ages.length > 0) view.reportAgeMs = Math.min(...ages);
  return view;
}

export function isConverged(regions: readonly RegionView[]): boolean {
  const reachable = regions.filter((r) => r.health !== "down");
  return reachable.length > 0 && new Set(reachable.map((r) => r.digest)).size === 1 && reachable.every((r) => r.pendingCommit === 0);
}

const short = (address: string) => `${address.slice(0, 6)}…${address.slice(-4)}`;

/** The DSP's name for a Safe address, else the shortened address. */
export function dspName(deployment: DeploymentFacts, safe: string): string {
  return deployment.dsps.find((d) => sameAddress(d.safe, safe))?.name ?? short(safe);
}

const regionOf = (deployment: DeploymentFacts, index: number) => deployment.regions[index] ?? `region ${index}`;

/** Region names of a TierRules region mask (bit i = region i). */
export function regionsOfMask(deployment: DeploymentFacts, mask: number): string[] {
  return deployment.regions.filter((_, i) => (mask & (1 << i)) !== 0);
}

/** One chain event as a timeline entry; undefined for events the timeline does not show. */
export function timelineEntry(deployment: DeploymentFacts, e: ChainEvent): TimelineEntry | undefined {
  const at = new Date(e.timestamp * 1000).toISOString();
  const entry = (kind: TimelineEntry["kind"], text: string): TimelineEntry => ({ kind, at, block: e.block, tx: e.tx, text });
  const str = (key: string) => String(e.args[key] ?? "");
  const num = (key: string) => Number(e.args[key] ?? 0);
  switch (`${e.contract}.${e.name}`) {
    case "TierRules.ManifestRecorded": {
      const tier = deployment.tiers[num("tier")] ?? `tier ${num("tier")}`;
      const regions = regionsOfMask(deployment, num("regions"));
      return entry("approval", `${tier} approval ${str("digest").slice(0, 10)}… recorded (regions: ${regions.join(", ") || "none"}; proposed by agent ${short(str("proposer"))})`);
    }
    case "Guardian.Paused":
      return entry("pause", `paused by ${dspName(deployment, str("dsp"))}'s agent: ${str("reason")}`);
    case "Guardian.Unpaused":
      return entry("unpause", "unpaused by the Consortium Safe (critical)");
    case "BoardRotationModule.RotationProposed": {
      const eta = new Date(num("eta") * 1000).toISOString();
      return entry("rotation-proposed", `rotation of ${regionOf(deployment, num("region"))} proposed: ${dspName(deployment, str("oldDsp"))} → ${dspName(deployment, str("newDsp"))}, not before ${eta}${e.args.coSigned === true ? " (co-signed by DSPs)" : ""}`);
    }
    case "BoardRotationModule.DspRotated":
      return entry("rotation-executed", `${regionOf(deployment, num("region"))} rotated: ${dspName(deployment, str("oldDsp"))} → ${dspName(deployment, str("newDsp"))}`);
    case "BoardRotationModule.RotationCancelled":
      return entry("rotation-cancelled", `rotation of ${regionOf(deployment, num("region"))} cancelled`);
    default:
      return undefined;
  }
}

/** Newest first, at most TIMELINE_LIMIT entries. */
export function timeline(deployment: DeploymentFacts, events: readonly ChainEvent[]): TimelineEntry[] {
  return [...events]
    .sort((x, y) => y.block - x.block || y.logIndex - x.logIndex)
    .map((e) => timelineEntry(deployment, e))
    .filter((e): e is TimelineEntry => e !== undefined)
    .slice(0, TIMELINE_LIMIT);
}

function guardianView(deployment: DeploymentFacts, chain: Observation<ChainFacts>): FederationSnapshot["guardian"] {
  if (!chain.ok) return { state: "unknown", problem: chain.error };
  if (!chain.value.paused) return { state: "running" };
  const last = [...chain.value.events].filter((e) => e.contract === "Guardian" && e.name === "Paused").sort((x, y) => y.block - x.block || y.logIndex - x.logIndex)[0];
  const view: FederationSnapshot["guardian"] = { state: "paused", pausedBy: dspName(deployment, chain.value.pausedBy) };
  if (last) {
    view.reason = String(last.args.reason ?? "");
    view.since = new Date(last.timestamp * 1000).toISOString();
  }
  return view;
}

/** The approvals recorded on the chain (ManifestRecorded digests, lower case): bundles with one are not pending. */
export function recordedDigests(events: readonly ChainEvent[]): Set<string> {
  return new Set(events.filter((e) => e.contract === "TierRules" && e.name === "ManifestRecorded").map((e) => String(e.args.digest).toLowerCase()));
}

export function buildSnapshot(input: { now: number; deployment: DeploymentFacts; regions: readonly RegionInput[]; chain: Observation<ChainFacts>; bundles?: readonly BundleView[] }): FederationSnapshot {
  const names = input.regions.map((r) => r.name);
  const regions = input.regions.map((r) => regionView(r, names.filter((n) => n !== r.name)));
  const links: LinkView[] = [];
  input.regions.forEach((a, i) => input.regions.slice(i + 1).forEach((b) => links.push(linkView(a, b))));
  const { deployment, chain } = input;
  const agents = chain.ok
    ? chain.value.seats.map((seat, i) => ({ region: regionOf(deployment, i), dsp: dspName(deployment, seat.dsp), dspSafe: seat.dsp, agent: sameAddress(seat.agent, ZERO) ? "none" : seat.agent }))
    : [];
  return {
    generatedAt: new Date(input.now).toISOString(),
    chainId: deployment.chainId,
    consortium: deployment.consortium,
    regions,
    links,
    converged: isConverged(regions),
    guardian: guardianView(deployment, chain),
    agents,
    rules: chain.ok ? chain.value.rules : [],
    timeline: chain.ok ? timeline(deployment, chain.value.events) : [],
    bundles: [...(input.bundles ?? [])],
  };
}
