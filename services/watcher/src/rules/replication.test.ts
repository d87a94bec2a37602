import { NodeStatus, PairState, STALE_REPORT_MS, observePair, stepPair } from "./replication";

const peerEntry = (node: string, behindOps: number | null = 0, lastStateAgeMs: number | null = 200, state = "connected") => ({ node, state, behindOps: behindOps ?? undefined, lastStateAgeMs: lastStateAgeMs ?? undefined });
const status = (node: string, digest: string, peers: NodeStatus["peers"]): NodeStatus => ({ node, digest, peers });
const A = (digest: string, ...peers: NodeStatus["peers"]) => status("alpha-0", digest, peers.length ? peers : [peerEntry("beta-0")]);
const B = (digest: string, ...peers: NodeStatus["peers"]) => status("beta-0", digest, peers.length ? peers : [peerEntry("alpha-0")]);

describe("observing a pair of nodes", () => {
  test("equal vectors and digests: in sync", () => {
    expect(observePair(A("d1"), B("d1"))).toEqual({ kind: "in-sync" });
  });
  test("equal vectors, different digests: diverged", () => {
    expect(observePair(A("d1"), B("d2"))).toEqual({ kind: "diverged", digests: ["d1", "d2"] });
  });
  test("a peer that does not answer is unreachable, with the error", () => {
    expect(observePair(A("d1"), { error: "ECONNREFUSED" })).toEqual({ kind: "unreachable", error: "ECONNREFUSED" });
  });
  test("either side not connected to the other: disconnected", () => {
    expect(observePair(A("d1", peerEntry("beta-0", 0, 100, "connecting")), B("d2")).kind).toBe("disconnected");
    expect(observePair(A("d1"), B("d2", peerEntry("alpha-0", 0, 100, "disconnected"))).kind).toBe("disconnected");
    expect(observePair(A("d1", peerEntry("gamma-0")), B("d2")).kind).toBe("disconnected");
  });
  test("operations in flight on either side, no report yet, or a stale report: lagging, never diverged", () => {
    expect(observePair(A("d1", peerEntry("beta-0", 3)), B("d2"))).toEqual({ kind: "lagging", behindOps: 3 });
    expect(observePair(A("d1"), B("d2", peerEntry("alpha-0", 7)))).toEqual({ kind: "lagging", behindOps: 7 });
    expect(observePair(A("d1", peerEntry("beta-0", null)), B("d2")).kind).toBe("lagging");
    expect(observePair(A("d1", peerEntry("beta-0", 0, null)), B("d2")).kind).toBe("lagging");
    expect(observePair(A("d1", peerEntry("beta-0", 0, STALE_REPORT_MS + 1)), B("d2")).kind).toBe("lagging");
    expect(observePair(A("d1", peerEntry("beta-0", 0, STALE_REPORT_MS)), B("d2")).kind).toBe("diverged");
  });
});

describe("a pair's track over time", () => {
  const pair = { self: "alpha-0", peer: "beta-0" };
  const diverged: PairState = { kind: "diverged", digests: ["a".repeat(64), "b".repeat(64)] };
  const run = (states: Array<[number, PairState]>, bound = 10_000) => {
    let track = {};
    const breaches: number[] = [];
    for (const [t, s] of states) {
      const step = stepPair(track, s, t, bound, pair);
      track = step.track;
      if (step.breach) breaches.push(t);
    }
    return { track, breaches };
  };

  test("divergence shorter than the bound is not a breach", () => {
    expect(run([[0, diverged], [5000, diverged], [9999, diverged], [10500, { kind: "in-sync" }]]).breaches).toEqual([]);
  });
  test("divergence for longer than the bound is one breach, naming both nodes and digests", () => {
    const step = stepPair({ divergedSince: 0 }, diverged, 12_000, 10_000, pair);
    expect(step.breach).toMatchObject({ detector: "replication", object: "replication alpha-0 vs beta-0", key: "replication:alpha-0:beta-0:0" });
    expect(step.breach?.what).toMatch(/equal state vectors but different digests \(aaaaaaaaaaaa… vs bbbbbbbbbbbb…\) for 12 s/);
    expect(run([[0, diverged], [10_000, diverged], [20_000, diverged], [30_000, diverged]]).breaches).toEqual([10_000]);
  });
  test("any other observation ends the run: lagging, unreachable, disconnected, in sync", () => {
    for (const other of [{ kind: "lagging", behindOps: 2 }, { kind: "unreachable", error: "x" }, { kind: "disconnected" }, { kind: "in-sync" }] as PairState[]) {
      expect(run([[0, diverged], [6000, other], [12_000, diverged], [21_000, diverged]]).breaches).toEqual([]);
    }
  });
  test("a new run after recovery is a new breach", () => {
    expect(run([[0, diverged], [11_000, diverged], [12_000, { kind: "in-sync" }], [13_000, diverged], [24_000, diverged]]).breaches).toEqual([11_000, 24_000]);
  });
  test("a zero bound reports the first divergent observation", () => {
    expect(run([[5, diverged]], 0).breaches).toEqual([5]);
  });
});
