import { RecentSet } from "./recentSet";

describe("RecentSet", () => {
  test("keeps the last `capacity` distinct entries, dropping the oldest first", () => {
    const recent = new RecentSet(3);
    for (const entry of ["a", "b", "c"]) recent.add(entry);
    recent.add("b"); // already held: drops nothing, moves nothing
    expect(["a", "b", "c"].map((e) => recent.has(e))).toEqual([true, true, true]);
    recent.add("d");
    expect(["a", "b", "c", "d"].map((e) => recent.has(e))).toEqual([false, true, true, true]);
    for (const entry of ["e", "f", "g"]) recent.add(entry);
    expect(["b", "c", "d", "e", "f", "g"].map((e) => recent.has(e))).toEqual([false, false, false, true, true, true]);
  });
});
