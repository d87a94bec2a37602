import { DEFAULT_PEER_LIMITS, SocketBudget, TokenBucket, unauthenticatedByteBudget } from "./limits";

describe("token bucket", () => {
  test("a burst up to the capacity passes; beyond it, the wait pays back the deficit at the rate", () => {
    const bucket = new TokenBucket(1000, 2000, 0);
    expect(bucket.take(2000, 0)).toBe(0);
    expect(bucket.take(500, 0)).toBe(500);
    // 1 s later: +1000 tokens, balance 500; another 1000 leaves -500, i.e. half a second to wait.
    expect(bucket.take(1000, 1000)).toBe(500);
  });

  test("refills never beyond the capacity", () => {
    const bucket = new TokenBucket(1000, 2000, 0);
    expect(bucket.take(2000, 60_000)).toBe(0);
    expect(bucket.take(1, 60_000)).toBe(1);
  });
});

describe("socket budget", () => {
  test("admits up to the cap and again once a slot is released", () => {
    const budget = new SocketBudget(2);
    expect(budget.open()).toBe(true);
    expect(budget.open()).toBe(true);
    expect(budget.open()).toBe(false);
    budget.release();
    expect(budget.pending).toBe(1);
    expect(budget.open()).toBe(true);
  });

  test("releasing more than were opened never goes below zero", () => {
    const budget = new SocketBudget(1);
    budget.release();
    expect(budget.pending).toBe(0);
    expect(budget.open()).toBe(true);
    expect(budget.open()).toBe(false);
  });
});

test("the unauthenticated phase may carry the upgrade request and a few handshake frames, about 12 KiB by default", () => {
  expect(unauthenticatedByteBudget(DEFAULT_PEER_LIMITS)).toBe(8 * 1024 + 4 * (1024 + 14));
});
