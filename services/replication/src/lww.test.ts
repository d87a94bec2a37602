import fc from "fast-check";
import { compareHlc, tick } from "./hlc";
import { compareNodeIds, parseNodeName, REGIONS } from "./identity";
import { Candidate, compareVersions, formatVersion, parseVersion, pickWinner } from "./lww";

const nodeId = fc.record({ region: fc.constantFrom(...REGIONS), replica: fc.integer({ min: 0, max: 9 }) });
const candidate: fc.Arbitrary<Candidate> = fc.record({
  writer: nodeId,
  slot: fc.record({ w: fc.integer({ min: 0, max: 5 }), c: fc.integer({ min: 0, max: 3 }), v: fc.nat() }),
});

describe("hybrid logical clock", () => {
  test("tick follows physical time when it moves forward", () => {
    expect(tick({ wall: 100, counter: 7 }, 150)).toEqual({ wall: 150, counter: 0 });
  });
  test("tick stays strictly after what was seen when physical time lags", () => {
    expect(tick({ wall: 100, counter: 7 }, 90)).toEqual({ wall: 100, counter: 8 });
    expect(tick({ wall: 100, counter: 7 }, 100)).toEqual({ wall: 100, counter: 8 });
  });
  test("tick is always greater than its input", () => {
    fc.assert(fc.property(fc.nat(), fc.nat(), fc.nat(), (wall, counter, now) => compareHlc(tick({ wall, counter }, now), { wall, counter }) > 0));
  });
});

describe("latest write wins", () => {
  test("a later HLC wins over an earlier one regardless of region", () => {
    const early: Candidate = { writer: { region: "gamma", replica: 0 }, slot: { w: 10, c: 0, v: "g" } };
    const late: Candidate = { writer: { region: "alpha", replica: 0 }, slot: { w: 10, c: 1, v: "a" } };
    expect(pickWinner([early, late])).toBe(late);
    expect(pickWinner([late, early])).toBe(late);
  });
  test("equal HLCs are broken by region order, then replica ordinal", () => {
    const alpha: Candidate = { writer: { region: "alpha", replica: 3 }, slot: { w: 10, c: 0, v: 1 } };
    const beta0: Candidate = { writer: { region: "beta", replica: 0 }, slot: { w: 10, c: 0, v: 2 } };
    const beta1: Candidate = { writer: { region: "beta", replica: 1 }, slot: { w: 10, c: 0, v: 3 } };
    expect(pickWinner([beta1, alpha, beta0])).toBe(beta1);
    expect(compareNodeIds({ region: "gamma", replica: 0 }, { region: "beta", replica: 5 })).toBeGreaterThan(0);
  });
  test("the winner does not depend on the order replicas saw the writes", () => {
    fc.assert(
      fc.property(fc.uniqueArray(candidate, { minLength: 1, maxLength: 6, selector: (c) => `${c.writer.region}-${c.writer.replica}` }), fc.nat(), (list, shift) => {
        const rotated = [...list.slice(shift % list.length), ...list.slice(0, shift % list.length)];
        return pickWinner(list) === pickWinner(rotated) && pickWinner([...list].reverse()) === pickWinner(list);
      }),
    );
  });
  test("no winner without candidates", () => {
    expect(pickWinner([])).toBeUndefined();
  });
});

describe("version text", () => {
  test("round-trips", () => {
    fc.assert(
      fc.property(fc.nat(), fc.nat(), nodeId, (wall, counter, writer) => {
        const version = { hlc: { wall, counter }, writer };
        const parsed = parseVersion(formatVersion(version));
        return parsed !== undefined && compareVersions(parsed, version) === 0;
      }),
    );
  });
  test("rejects text that is not a version or names an unknown region", () => {
    expect(parseVersion("12.3@delta-0")).toBeUndefined();
    expect(parseVersion("12@alpha-0")).toBeUndefined();
    expect(parseNodeName("alpha")).toBeUndefined();
    expect(formatVersion({ hlc: { wall: 5, counter: 2 }, writer: { region: "beta", replica: 1 } })).toBe("5.2@beta-1");
  });
});
