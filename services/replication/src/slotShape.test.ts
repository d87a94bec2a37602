import * as Y from "yjs";
import { checkSlot, isJsonSafe } from "./slotShape";
import { clientFlood } from "./testing/byzantine";
import { clientGroupsBeyond, inspectUpdate, SLOTS_MAP } from "./updateGuard";
import { shardOf } from "./keys";

const limits = { maxWall: 1_000_000, maxCounter: 2 ** 32, maxValueBytes: 1024, maxClients: 3 };

describe("slot shape", () => {
  test("values and tombstones of the right shape pass", () => {
    expect(checkSlot({ w: 1, c: 0, v: { a: [1, "x", null, true, { b: 2.5 }] } }, limits).ok).toBe(true);
    expect(checkSlot({ w: 1, c: 0, d: 1 }, limits).ok).toBe(true);
  });

  test.each([
    ["BigInt wall", { w: 10n, c: 0, v: {} }, "shape"],
    ["NaN wall", { w: NaN, c: 0, v: {} }, "shape"],
    ["Infinity counter", { w: 1, c: Infinity, v: {} }, "shape"],
    ["counter 2^53", { w: 1, c: 2 ** 53, v: {} }, "shape"],
    ["negative wall", { w: -1, c: 0, v: {} }, "shape"],
    ["string wall", { w: "1", c: 0, v: {} }, "shape"],
    ["no value", { w: 1, c: 0 }, "shape"],
    ["extra field", { w: 1, c: 0, v: {}, x: 1 }, "shape"],
    ["tombstone with value", { w: 1, c: 0, d: 1, v: {} }, "shape"],
    ["value undefined", { w: 1, c: 0, v: undefined }, "value"],
    ["value not an object", { w: 1, c: 0, v: 5 }, "value"],
    ["NaN inside the value", { w: 1, c: 0, v: { n: NaN } }, "value"],
    ["BigInt inside the value", { w: 1, c: 0, v: { n: 1n } }, "value"],
    ["binary inside the value", { w: 1, c: 0, v: { b: new Uint8Array(2) } }, "value"],
    ["clock beyond the skew", { w: 1_000_001, c: 0, v: {} }, "clock_ahead"],
    ["counter out of range", { w: 1, c: 2 ** 32 + 1, v: {} }, "counter_range"],
    ["oversized value", { w: 1, c: 0, v: { s: "x".repeat(2000) } }, "oversize"],
    ["not an object", [1, 2], "shape"],
    ["null", null, "shape"],
  ])("%s is refused (%s)", (_name, slot, reason) => {
    const check = checkSlot(slot, limits);
    expect(check.ok ? "ok" : check.reason).toBe(reason);
  });

  test("without limits only the shape is checked (reads)", () => {
    expect(checkSlot({ w: 9e15, c: 2 ** 40, v: { s: "x".repeat(2000) } }).ok).toBe(true);
    expect(checkSlot({ w: 10n, c: 0, v: {} }).ok).toBe(false);
  });

  test("JSON safety is JSON's own round trip", () => {
    expect(isJsonSafe({ a: [1, { b: null }] })).toBe(true);
    expect(isJsonSafe(new Date())).toBe(false);
    let deep: unknown = 1;
    for (let i = 0; i < 100; i++) deep = [deep];
    expect(isJsonSafe(deep)).toBe(false);
  });
});

describe("update guard", () => {
  const key = "c/d";
  const shard = shardOf(key);
  const update = (fill: (map: Y.Map<unknown>, doc: Y.Doc) => void, clientID = 7): Uint8Array => {
    const doc = new Y.Doc();
    doc.clientID = clientID;
    fill(doc.getMap(SLOTS_MAP), doc);
    return Y.encodeStateAsUpdate(doc);
  };

  test("a writer's honest update passes", () => {
    expect(inspectUpdate(update((m) => m.set(key, { w: 5, c: 0, v: { x: 1 } })), shard, new Map(), limits)).toEqual({ ok: true, newClients: 1 });
  });

  test("bad slots, nested types, other maps, other shards, deletions alone and too many client ids are refused", () => {
    const verdict = (u: Uint8Array, known = new Map<number, number>()) => {
      const r = inspectUpdate(u, shard, known, limits);
      return r.ok ? "ok" : r.reason;
    };
    expect(verdict(update((m) => m.set(key, { w: 5n, c: 0, v: {} })))).toBe("shape");
    expect(verdict(update((m) => m.set(key, new Y.Map())))).toBe("content");
    expect(verdict(update((_m, doc) => doc.getMap("other").set(key, { w: 1, c: 0, v: {} })))).toBe("content");
    const elsewhere = ["a/1", "a/2", "a/3", "a/4"].find((k) => shardOf(k) !== shard) as string;
    expect(verdict(update((m) => m.set(elsewhere, { w: 1, c: 0, v: {} })))).toBe("content");
    expect(verdict(new Uint8Array([1, 2, 3]))).toBe("malformed");
    expect(verdict(Y.mergeUpdates([0, 1, 2, 3].map((i) => update((m) => m.set(key, { w: 1, c: i, v: {} }), 100 + i))))).toBe("client_ids");
    // The same number of clients already held counts against the bound too.
    expect(verdict(update((m) => m.set(key, { w: 1, c: 0, v: {} }), 9), new Map([[1, 1], [2, 1], [3, 1]]))).toBe("client_ids");
    const doc = new Y.Doc();
    doc.getMap(SLOTS_MAP).set(key, { w: 1, c: 0, v: {} });
    const before = Y.encodeStateVector(doc);
    doc.getMap(SLOTS_MAP).delete(key);
    expect(verdict(Y.encodeStateAsUpdate(doc, before))).toBe("content");
  });

  test("an update with more client groups than a document may hold is refused from its first varint", () => {
    const flood = clientFlood(5, "c", shard, 1);
    expect(clientGroupsBeyond(flood, 4)).toEqual({ ok: false, reason: "client_ids", detail: "5 Yjs client groups in one update (at most 4 per writer and shard)" });
    expect(clientGroupsBeyond(flood, 5)).toBeUndefined();
    expect(clientGroupsBeyond(update((m) => m.set(key, { w: 1, c: 0, v: {} })), 1)).toBeUndefined();
    // Only the count is read: a 320,000-group header over nothing is refused as a flood, not decoded.
    const header = new Uint8Array([0x80, 0xc4, 0x13]);
    expect(clientGroupsBeyond(header, 64)?.reason).toBe("client_ids");
    expect(clientGroupsBeyond(new Uint8Array(), 64)?.reason).toBe("malformed");
  });
});
