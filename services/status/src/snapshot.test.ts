import { buildSnapshot, linkView, recordedDigests, regionView, timeline, timelineEntry, TIMELINE_LIMIT, type ChainEvent, type ChainFacts, type DeploymentFacts, type NodeReport, type Observation, type PeerReport, type RegionInput } from "./snapshot";

const SAFES = ["0x" + "a1".repeat(20), "0x" + "b2".repeat(20), "0x" + "c3".repeat(20)];
const DSP4 = "0x" + "d4".repeat(20);
const ZERO = "0x" + "00".repeat(20);
const deployment: DeploymentFacts = {
  chainId: 31337,
  consortium: "0x" + "ee".repeat(20),
  dsps: [
    { name: "DSP-1", region: "alpha", safe: SAFES[0] },
    { name: "DSP-2", region: "beta", safe: SAFES[1] },
    { name: "DSP-3", region: "gamma", safe: SAFES[2] },
  ],
  tiers: ["critical", "fleet", "operational", "emergency", "rotation", "veto"],
  regions: ["alpha", "beta", "gamma"],
};
const NAMES = ["alpha", "beta", "gamma"];

const peer = (name: string, state = "connected", behindOps = 0, lastStateAgeMs = 300): PeerReport => ({ name, node: `${name}-0`, state, behindOps, lastStateAgeMs });
const report = (region: string, over: Partial<NodeReport> = {}): NodeReport => ({
  node: `${region}-0`,
  keys: 4,
  pendingCommit: 0,
  digest: "d1",
  peers: NAMES.filter((n) => n !== region).map((n) => peer(n)),
  ...over,
});
const up = (name: string, over: Partial<NodeReport> = {}): RegionInput => ({ name, url: `http://${name}`, observation: { ok: true, value: report(name, over) } });
const down = (name: string, error = "ECONNREFUSED"): RegionInput => ({ name, url: `http://${name}`, observation: { ok: false, error } });
const event = (contract: ChainEvent["contract"], name: string, block: number, args: ChainEvent["args"] = {}, logIndex = 0): ChainEvent => ({ contract, name, block, logIndex, timestamp: 1_700_000_000 + block, tx: `0x${block}`, args });
const chain = (over: Partial<ChainFacts> = {}): Observation<ChainFacts> => ({
  ok: true,
  value: { paused: false, pausedBy: ZERO, board: [], seats: SAFES.map((dsp, i) => ({ dsp, agent: `0x${String(i + 1).repeat(40)}` })), rules: [{ tier: "critical", dsps: 3, board: 1, regionDsp: false }], events: [], ...over },
});
const snap = (regions: RegionInput[], c: Observation<ChainFacts> = chain()) => buildSnapshot({ now: 0, deployment, regions, chain: c });

describe("regions", () => {
  test("a node that answers and is connected to every other region is healthy", () => {
    expect(regionView(up("alpha"), ["beta", "gamma"])).toEqual({ name: "alpha", health: "healthy", node: "alpha-0", keys: 4, pendingCommit: 0, digest: "d1" });
  });
  test("a node that does not answer is down, with the reason", () => {
    expect(regionView(down("alpha", "HTTP 401 (check the token)"), ["beta"])).toEqual({ name: "alpha", health: "down", problem: "HTTP 401 (check the token)" });
  });
  test.each(["disconnected", "connecting"])("a node whose peer is %s is degraded, naming the peers it misses", (state) => {
    const view = regionView(up("alpha", { peers: [peer("beta", state), peer("gamma")] }), ["beta", "gamma"]);
    expect(view).toMatchObject({ health: "degraded", problem: "not connected to beta" });
  });
  test("a peer missing from the report counts as not connected; peers are found by node name too", () => {
    expect(regionView(up("alpha", { peers: [peer("gamma")] }), ["beta", "gamma"])).toMatchObject({ health: "degraded", problem: "not connected to beta" });
    const byNode = up("alpha", { peers: [{ ...peer("x"), node: "beta-0" }, peer("gamma")] });
    expect(regionView(byNode, ["beta", "gamma"]).health).toBe("healthy");
  });
});

describe("links", () => {
  test("up when both ends report connected, with how far each end is ahead and the freshest report", () => {
    const a = up("alpha", { peers: [peer("beta", "connected", 7, 900)] });
    const b = up("beta", { peers: [peer("alpha", "connected", 2, 400)] });
    expect(linkView(a, b)).toEqual({ a: "alpha", b: "beta", state: "up", aheadOfB: 7, aheadOfA: 2, reportAgeMs: 400 });
  });
  test("partial when only one end reports connected (the other is down or reconnecting)", () => {
    expect(linkView(up("alpha"), down("beta"))).toEqual({ a: "alpha", b: "beta", state: "partial", aheadOfB: 0, reportAgeMs: 300 });
    expect(linkView(up("alpha", { peers: [peer("beta", "connecting")] }), up("beta")).state).toBe("partial");
  });
  test("down when neither end reports connected; no lag figures are invented", () => {
    expect(linkView(down("alpha"), down("beta"))).toEqual({ a: "alpha", b: "beta", state: "down" });
    const cut = linkView(up("alpha", { peers: [{ name: "beta", state: "disconnected" }] }), up("beta", { peers: [{ name: "alpha", state: "disconnected" }] }));
    expect(cut).toEqual({ a: "alpha", b: "beta", state: "down" });
  });
  test("every pair of configured regions gets one link, in order", () => {
    expect(snap([up("alpha"), up("beta"), up("gamma")]).links.map((l) => `${l.a}-${l.b}`)).toEqual(["alpha-beta", "alpha-gamma", "beta-gamma"]);
    expect(snap([up("alpha")]).links).toEqual([]);
  });
});

describe("convergence", () => {
  test("converged when every reachable region holds one digest with nothing pending", () => {
    expect(snap([up("alpha"), up("beta"), down("gamma")]).converged).toBe(true);
    expect(snap([up("alpha"), up("beta", { digest: "d2" })]).converged).toBe(false);
    expect(snap([up("alpha"), up("beta", { pendingCommit: 1 })]).converged).toBe(false);
    expect(snap([down("alpha"), down("beta")]).converged).toBe(false);
  });
});

describe("guardian, agents and rules", () => {
  test("running when not paused; agents per region by DSP name; rules as read", () => {
    const s = snap([up("alpha")]);
    expect(s.guardian).toEqual({ state: "running" });
    expect(s.agents.map((a) => `${a.region}:${a.dsp}`)).toEqual(["alpha:DSP-1", "beta:DSP-2", "gamma:DSP-3"]);
    expect(s.rules).toEqual([{ tier: "critical", dsps: 3, board: 1, regionDsp: false }]);
  });
  test("paused: who paused (by DSP name), the latest pause's reason and time", () => {
    const events = [event("Guardian", "Paused", 5, { dsp: SAFES[0], reason: "old" }), event("Guardian", "Unpaused", 6), event("Guardian", "Paused", 9, { dsp: SAFES[1], reason: "drift in beta" })];
    expect(snap([up("alpha")], chain({ paused: true, pausedBy: SAFES[1], events })).guardian).toEqual({ state: "paused", pausedBy: "DSP-2", reason: "drift in beta", since: new Date((1_700_000_000 + 9) * 1000).toISOString() });
  });
  test("a rotated-in DSP unknown to the deployment file shows by its address; a seat without agent shows none", () => {
    const s = snap([up("alpha")], chain({ seats: [{ dsp: DSP4, agent: ZERO }] }));
    expect(s.agents).toEqual([{ region: "alpha", dsp: "0xd4d4…d4d4", dspSafe: DSP4, agent: "none" }]);
  });
  test("an unreachable chain: state unknown with the reason, no agents, rules or timeline", () => {
    const s = snap([up("alpha")], { ok: false, error: "http://127.0.0.1:8545: ECONNREFUSED" });
    expect(s).toMatchObject({ guardian: { state: "unknown", problem: "http://127.0.0.1:8545: ECONNREFUSED" }, agents: [], rules: [], timeline: [] });
  });
});

describe("timeline", () => {
  test.each<[ChainEvent, string, RegExp]>([
    [event("TierRules", "ManifestRecorded", 1, { digest: "0x" + "ab".repeat(32), tier: 2, proposer: "0x" + "12".repeat(20), regions: 0b010 }), "approval", /^operational approval 0xabababab… recorded \(regions: beta; proposed by agent 0x1212…1212\)$/],
    [event("TierRules", "ManifestRecorded", 1, { digest: "0x01", tier: 1, proposer: ZERO, regions: 0b111 }), "approval", /^fleet approval .*regions: alpha, beta, gamma;/],
    [event("TierRules", "ManifestRecorded", 1, { digest: "0x01", tier: 9, proposer: ZERO, regions: 0 }), "approval", /^tier 9 approval .*regions: none;/],
    [event("Guardian", "Paused", 1, { dsp: SAFES[2], reason: "replication lag" }), "pause", /^paused by DSP-3's agent: replication lag$/],
    [event("Guardian", "Unpaused", 1), "unpause", /^unpaused by the Consortium Safe \(critical\)$/],
    [event("BoardRotationModule", "RotationProposed", 1, { region: 1, oldDsp: SAFES[1], newDsp: DSP4, eta: 1_700_000_000, coSigned: false }), "rotation-proposed", /^rotation of beta proposed: DSP-2 → 0xd4d4…d4d4, not before 2023-11-14T22:13:20.000Z$/],
    [event("BoardRotationModule", "RotationProposed", 1, { region: 0, oldDsp: SAFES[0], newDsp: DSP4, eta: 0, coSigned: true }), "rotation-proposed", /co-signed by DSPs/],
    [event("BoardRotationModule", "DspRotated", 1, { region: 1, oldDsp: SAFES[1], newDsp: DSP4 }), "rotation-executed", /^beta rotated: DSP-2 → 0xd4d4…d4d4$/],
    [event("BoardRotationModule", "RotationCancelled", 1, { region: 2 }), "rotation-cancelled", /^rotation of gamma cancelled$/],
  ])("%#: %j reads as a %s entry", (e, kind, text) => {
    const entry = timelineEntry(deployment, e)!;
    expect(entry.kind).toBe(kind);
    expect(entry.text).toMatch(text);
    expect(entry).toMatchObject({ block: 1, tx: "0x1", at: new Date((1_700_000_000 + 1) * 1000).toISOString() });
  });
  test("events the page does not show are left out", () => {
    expect(timelineEntry(deployment, event("Guardian", "PauseCooldown", 1))).toBeUndefined();
    expect(timelineEntry(deployment, event("TierRules", "RuleChanged", 1))).toBeUndefined();
  });
  test("newest first by block then log index, capped", () => {
    const events = [event("Guardian", "Unpaused", 3, {}, 0), event("Guardian", "Unpaused", 3, {}, 2), event("Guardian", "Unpaused", 8), event("Guardian", "PauseCooldown", 9)];
    expect(timeline(deployment, events).map((t) => t.block)).toEqual([8, 3, 3]);
    const many = Array.from({ length: TIMELINE_LIMIT + 5 }, (_, i) => event("Guardian", "Unpaused", i));
    const capped = timeline(deployment, many);
    expect(capped).toHaveLength(TIMELINE_LIMIT);
    expect(capped[0].block).toBe(TIMELINE_LIMIT + 4);
  });
});

test("the snapshot carries the clock, the chain and the consortium", () => {
  const s = buildSnapshot({ now: Date.UTC(2026, 0, 1), deployment, regions: [up("alpha")], chain: chain() });
  expect(s).toMatchObject({ generatedAt: "2026-01-01T00:00:00.000Z", chainId: 31337, consortium: deployment.consortium });
});

describe("bundles", () => {
  test("a bundle is pending until its manifest digest is recorded: the recorded digests, in lower case, from ManifestRecorded only", () => {
    const events = [event("TierRules", "ManifestRecorded", 3, { digest: "0xABCD" }), event("Guardian", "Paused", 4, { digest: "0xEEEE" }), event("TierRules", "ManifestRecorded", 5, { digest: "0x12ef" })];
    expect([...recordedDigests(events)]).toEqual(["0xabcd", "0x12ef"]);
    expect(recordedDigests([]).size).toBe(0);
  });
  test("the snapshot shows the bundles it is given, none by default", () => {
    const bundle = { name: "beta-1", stack: "local", tier: "operational", regions: ["beta"], signed: [], missing: ["beta's DSP, DSP-2"] };
    expect(snap([up("alpha")]).bundles).toEqual([]);
    expect(buildSnapshot({ now: 0, deployment, regions: [up("alpha")], chain: chain(), bundles: [bundle] }).bundles).toEqual([bundle]);
  });
});
