import { ShardedStore } from "./shards";

describe("ShardedStore listing (the per-collection sorted index)", () => {
  const store = new ShardedStore({ region: "alpha", replica: 0 }, () => 1_700_000_000_000);
  // Out of order on purpose: the index keeps code-unit order whatever the arrival order.
  for (const id of ["b-2", "a-1", "b-10", "b-1", "c-1", "b-3"]) store.write("things", id, { id });
  store.write("other", "b-0", { id: "b-0" });
  store.write("things", "b-3", undefined); // deleted: never listed, still an id of the index

  const ids = (page: { items: Array<{ id: string }> }) => page.items.map((i) => i.id);

  it("lists a prefix in id order, this collection only, without deleted documents", () => {
    expect(ids(store.list("things", "b-", undefined, 10))).toEqual(["b-1", "b-10", "b-2"]);
    expect(ids(store.list("things", "", undefined, 10))).toEqual(["a-1", "b-1", "b-10", "b-2", "c-1"]);
    expect(store.list("things", "", undefined, 10).nextCursor).toBeUndefined();
    expect(store.list("nothing", "", undefined, 10)).toEqual({ items: [] });
  });

  it("pages with a cursor that is the last id returned, and announces a next page only when an id follows", () => {
    const first = store.list("things", "b-", undefined, 2);
    expect(ids(first)).toEqual(["b-1", "b-10"]);
    expect(first.nextCursor).toBe("b-10");
    const second = store.list("things", "b-", first.nextCursor, 2);
    expect(ids(second)).toEqual(["b-2"]);
    // b-3 (deleted) follows b-2: announced, as before the index, and the page after it is empty.
    expect(second.nextCursor).toBe("b-2");
    expect(store.list("things", "b-", "b-2", 2)).toEqual({ items: [] });
  });

  it("counts each id once however often it is written", () => {
    store.write("things", "a-1", { again: true });
    expect(store.keyCount()).toBe(7);
  });
});
