import { Interface } from "ethers";
import { GUARDIAN_ABI, afterPausedRead, backoffMs, revertName } from "./pauser";
import { MAX_REASON_LENGTH, pauseReason } from "./breach";

describe("pausing", () => {
  test("retries back off from 1 s, doubling, to at most 30 s", () => {
    expect([1, 2, 3, 4, 5, 6, 7, 20].map((a) => backoffMs(a))).toEqual([1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000]);
  });

  test("the Guardian's reverts are named, whatever shape the RPC error has", () => {
    const g = new Interface(GUARDIAN_ABI);
    const data = (name: string, args: unknown[] = []) => g.encodeErrorResult(name, args);
    expect(revertName({ data: data("AlreadyPaused") })).toBe("AlreadyPaused");
    expect(revertName({ info: { error: { data: data("NotAnAgent", ["0x" + "1".repeat(40)]) } } })).toBe("NotAnAgent");
    expect(revertName({ data: data("InCooldown", ["0x" + "2".repeat(40), 5n]) })).toBe("InCooldown");
    expect(revertName({ data: "0xdeadbeef" })).toBeUndefined();
    expect(revertName(new Error("connect ECONNREFUSED"))).toBeUndefined();
  });

  test("a Guardian read begun before our pause settled says nothing; a later unpaused read makes us idle again", () => {
    const settledAt = 1000;
    const ours = { state: "paused-by-us" as const, paused: true };
    expect(afterPausedRead(ours, { paused: false, readAt: 999 }, settledAt)).toBeUndefined();
    expect(afterPausedRead(ours, { paused: false, readAt: 1000 }, settledAt)).toBeUndefined();
    expect(afterPausedRead(ours, { paused: true, readAt: 1001 }, settledAt)).toEqual({ state: "paused-by-us", paused: true });
    expect(afterPausedRead(ours, { paused: false, readAt: 1001 }, settledAt)).toEqual({ state: "idle", paused: false });
    expect(afterPausedRead({ state: "already-paused", paused: true }, { paused: false, readAt: 1001 }, settledAt)).toEqual({ state: "idle", paused: false });
    // While a pause is under way the read is recorded, the state is not ours to change.
    expect(afterPausedRead({ state: "pausing", paused: false }, { paused: false, readAt: 5 }, 0)).toEqual({ state: "pausing", paused: false });
    expect(afterPausedRead({ state: "idle", paused: undefined }, { paused: true, readAt: 5 }, 0)).toEqual({ state: "idle", paused: true });
  });

  test("a reason names region, detector and object, and is cut to the bound", () => {
    const b = { detector: "drift" as const, object: "StatefulSet dsc-replication-beta/replication", what: "changed by field manager kubectl-edit, not the engine", key: "k" };
    expect(pauseReason("beta", b)).toBe("watcher beta: drift: StatefulSet dsc-replication-beta/replication: changed by field manager kubectl-edit, not the engine");
    const long = pauseReason("beta", { ...b, what: "x".repeat(1000) });
    expect(long).toHaveLength(MAX_REASON_LENGTH);
    expect(long.startsWith("watcher beta: drift: StatefulSet dsc-replication-beta/replication: xxx")).toBe(true);
    expect(long.endsWith("…")).toBe(true);
  });
});
