/**
 * Seeded, deterministic simulation of three replicas under hostile schedules: messages delayed,
 * reordered, duplicated and dropped, connections re-established or cut, group commits completing
 * late (as on the commit worker), nodes crashed and reloaded from their SQLite storage. After
 * every schedule the network is healed and drained, then all replicas
 * must hold identical state and every acknowledged write must still be visible (or superseded).
 */
import fc from "fast-check";
import * as Y from "yjs";
import { NodeId, nodeName } from "./identity";
import { shardOf, storageKey } from "./keys";
import { Attack, ATTACKS, AttackContext, attackFrame } from "./testing/byzantine";
import { SimOp, Simulator } from "./testing/simulator";

const IDS: NodeId[] = [
  { region: "alpha", replica: 0 },
  { region: "beta", replica: 0 },
  { region: "gamma", replica: 0 },
];

const node = fc.integer({ min: 0, max: 2 });
const index = fc.nat({ max: 1000 });
const op: fc.Arbitrary<SimOp> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ op: fc.constant("write" as const), node, key: fc.integer({ min: 0, max: 4 }), value: fc.option(fc.nat({ max: 99 }), { freq: 5 }) }) },
  { weight: 4, arbitrary: fc.record({ op: fc.constant("flush" as const), node }) },
  { weight: 4, arbitrary: fc.record({ op: fc.constant("commit" as const), node }) },
  { weight: 6, arbitrary: fc.record({ op: fc.constant("deliver" as const), index }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("duplicate" as const), index }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("drop" as const), index }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("reconnect" as const), a: node, b: node }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("restart" as const), node }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("report" as const), node }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("cut" as const), a: node, b: node }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("advance" as const), ms: fc.integer({ min: 0, max: 5 }) }) },
);
// Clock skews of up to 20 ms between regions make "latest" disagree with wall-clock order.
const skews = fc.tuple(fc.integer({ min: -20, max: 20 }), fc.integer({ min: -20, max: 20 }), fc.integer({ min: -20, max: 20 }));

async function run(schedule: SimOp[], skew: number[]): Promise<Simulator> {
  const sim = new Simulator(IDS, skew);
  for (const step of schedule) await sim.apply(step);
  await sim.heal();
  return sim;
}

test("replicas converge and keep every acknowledged write under hostile schedules", async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(op, { minLength: 10, maxLength: 80 }), skews, async (schedule, skew) => {
      const sim = await run(schedule, skew);
      try {
        const digests = sim.digests();
        expect(new Set(digests).size).toBe(1);
        expect(sim.lostWrites()).toEqual([]);
        // Honest nodes refuse nothing of each other's and catch no internal error.
        expect([...sim.refusals]).toEqual([]);
        expect(sim.internalErrors).toEqual([]);
      } finally {
        sim.close();
      }
    }),
    { numRuns: 300, seed: 20261125 },
  );
  // 300 schedules with signatures on every commit: about 30 s on a quiet machine, far more under suite load.
}, 300_000);

test("the simulation is deterministic: the same schedule gives the same state", async () => {
  const schedule: SimOp[] = [
    { op: "write", node: 0, key: 1, value: 1 },
    { op: "write", node: 1, key: 1, value: 2 },
    { op: "flush", node: 0 },
    { op: "restart", node: 1 },
    { op: "write", node: 2, key: 1, value: 3 },
    { op: "deliver", index: 3 },
    { op: "flush", node: 2 },
  ];
  const first = await run(schedule, [0, 0, 0]);
  const second = await run(schedule, [0, 0, 0]);
  expect(second.digests()).toEqual(first.digests());
  // beta's write was never committed before its crash, so only alpha's and gamma's were acknowledged.
  expect(first.acked.map((w) => w.version.writer.region).sort()).toEqual(["alpha", "gamma"]);
  first.close();
  second.close();
});

test("a write made after seeing another region's write wins, whatever the clocks say", async () => {
  // gamma's clock runs 20 ms behind alpha's: without the HLC, gamma's later write would lose.
  const sim = new Simulator(IDS, [20, 0, -20]);
  await sim.apply({ op: "write", node: 0, key: 0, value: 1 });
  await sim.heal();
  await sim.apply({ op: "write", node: 2, key: 0, value: 2 });
  await sim.heal();
  expect(new Set(sim.digests()).size).toBe(1);
  const winner = sim.acked.at(-1);
  expect(winner?.version.writer.region).toBe("gamma");
  expect(sim.lostWrites()).toEqual([]);
  sim.close();
});

test("a relay skipped because the peer heard the origin directly is repaired when that link goes", async () => {
  const sim = new Simulator(IDS, [0, 0, 0]);
  const report = async (): Promise<void> => {
    for (const node of [0, 1, 2]) await sim.apply({ op: "report", node });
    await sim.drain();
  };
  await report();
  // alpha-gamma goes down; beta still believes gamma hears alpha directly, so it does not relay.
  await sim.apply({ op: "cut", a: 0, b: 2 });
  await sim.apply({ op: "write", node: 0, key: 1, value: 7 });
  await sim.drain();
  expect(sim.has(1, 1, 7)).toBe(true);
  expect(sim.has(2, 1, 7)).toBe(false);
  // gamma's next report no longer lists alpha: beta sends gamma what it lacks, then relays.
  await report();
  expect(sim.has(2, 1, 7)).toBe(true);
  await sim.apply({ op: "write", node: 0, key: 2, value: 8 });
  await sim.drain();
  expect(sim.has(2, 2, 8)).toBe(true);
  expect(new Set(sim.digests()).size).toBe(1);
  sim.close();
});

describe("a Byzantine peer: beta's key compromised, speaking the real protocol", () => {
  const now = 1_700_000_000_000;

  function context(sim: Simulator, victim: number): AttackContext {
    const victimName = nodeName(IDS[victim]);
    const key = storageKey("sim", "k0");
    const doc = sim.replica(0).store.writer(victimName)?.docs[shardOf(key)] ?? new Y.Doc();
    return { self: "beta-0", key: sim.keys.privateKey("beta-0"), victim: victimName, victimDoc: doc, collection: "sim", id: "k0", now };
  }

  function forgedAnywhere(sim: Simulator): string[] {
    const found: string[] = [];
    for (const node of [0, 1, 2]) {
      for (const item of sim.replica(node).store.list("sim", "", undefined, 1000).items) {
        if (JSON.stringify(item.document).includes("forged")) found.push(`${node}:${item.id}`);
      }
    }
    return found;
  }

  test("each attack is refused with nothing applied; the honest nodes converge and answer correctly", async () => {
    const sim = new Simulator(IDS, [0, 0, 0]);
    await sim.apply({ op: "write", node: 0, key: 0, value: 1 });
    await sim.apply({ op: "write", node: 2, key: 1, value: 2 });
    await sim.heal();
    const before = sim.digests();
    const expected: Record<Attack, string> = {
      forge_other_writer: "bad_signature",
      forge_unknown_writer: "unknown_writer",
      // The victim's own client id and clock: a duplicate of what alpha already holds, dropped unread.
      rewrite_under_version: "duplicate",
      tamper_genuine: "bad_signature",
      plain_deletes: "bad_signature",
      bigint_clock: "shape",
      nan_clock: "shape",
      far_future: "clock_ahead",
      counter_2_53: "shape",
      counter_range: "counter_range",
      oversized: "oversize",
      client_id_flood: "client_ids",
      nested_type: "content",
    };
    const genuine = sim.replica(0).storedEnvelopes("alpha-0", shardOf(storageKey("sim", "k0")))[0];
    for (const attack of ATTACKS) {
      const refusedBefore = sim.refusals.get(expected[attack]) ?? 0;
      for (const target of [0, 2]) expect(sim.inject(1, target, attackFrame(attack, { ...context(sim, 0), genuine }))).toBe(true);
      await sim.drain();
      expect([attack, sim.refusals.get(expected[attack]) ?? 0]).toEqual([attack, expected[attack] === "duplicate" ? 0 : refusedBefore + 2]);
      // Nothing of it applied anywhere: every resolved document as before, and reads keep working.
      expect(sim.digests()).toEqual(before);
      expect(forgedAnywhere(sim)).toEqual([]);
    }
    expect(sim.has(0, 0, 1) && sim.has(2, 0, 1) && sim.has(1, 1, 2)).toBe(true);
    // The compromised region still writes as itself, and that replicates.
    await sim.apply({ op: "write", node: 1, key: 2, value: 3 });
    await sim.heal();
    expect([0, 1, 2].every((node) => sim.has(node, 2, 3))).toBe(true);
    expect(new Set(sim.digests()).size).toBe(1);
    expect(sim.internalErrors).toEqual([]);
    sim.close();
  });

  test("under hostile schedules with Byzantine frames mixed in, honest nodes converge and nothing forged is applied", async () => {
    const attackOp = fc.record({ attack: fc.constantFrom(...ATTACKS), to: fc.constantFrom(0, 2), victim: fc.constantFrom(0, 2) });
    const step = fc.oneof({ weight: 5, arbitrary: op.map((s) => ({ sim: s })) }, { weight: 1, arbitrary: attackOp });
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 10, maxLength: 60 }), async (schedule) => {
        const sim = new Simulator(IDS, [0, 0, 0]);
        try {
          for (const s of schedule) {
            if ("sim" in s) await sim.apply(s.sim);
            else sim.inject(1, s.to, attackFrame(s.attack, context(sim, s.victim)));
          }
          await sim.heal();
          expect(new Set(sim.digests()).size).toBe(1);
          expect(sim.lostWrites()).toEqual([]);
          expect(forgedAnywhere(sim)).toEqual([]);
          expect(sim.internalErrors).toEqual([]);
        } finally {
          sim.close();
        }
      }),
      { numRuns: 60, seed: 20261202 },
    );
  }, 300_000);
});
