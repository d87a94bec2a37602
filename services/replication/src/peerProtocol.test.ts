import { decodeFrame, encodeFrame, FRAME_STATE, FRAME_SYNC, handshakeMac, macMatches, proofSchema } from "./peerProtocol";

describe("frames", () => {
  test("round-trip with shard tags", () => {
    const frame = { kind: FRAME_SYNC, entries: [{ shard: 3, payload: new Uint8Array([1, 2, 3]) }, { shard: 15, payload: new Uint8Array() }] } as const;
    const decoded = decodeFrame(encodeFrame(frame));
    expect(decoded.kind).toBe(FRAME_SYNC);
    expect(decoded.entries.map((e) => [e.shard, [...e.payload]])).toEqual([[3, [1, 2, 3]], [15, []]]);
  });

  test("state frames carry the sender's connected peers", () => {
    const frame = { kind: FRAME_STATE, entries: [{ shard: 0, payload: new Uint8Array([0]) }], connected: ["beta-0", "gamma-1"] } as const;
    expect(decodeFrame(encodeFrame(frame)).connected).toEqual(["beta-0", "gamma-1"]);
    expect(decodeFrame(encodeFrame({ kind: FRAME_SYNC, entries: [] })).connected).toBeUndefined();
  });

  test("malformed frames are rejected", () => {
    expect(() => decodeFrame(new Uint8Array([7, 0]))).toThrow(/unknown frame kind 7/);
    expect(() => decodeFrame(encodeFrame({ kind: FRAME_STATE, entries: [{ shard: 99, payload: new Uint8Array() }] }))).toThrow(/shard 99 out of range/);
    expect(() => decodeFrame(new Uint8Array([0, 1, 2, 9, 1]))).toThrow();
    expect(() => decodeFrame(new Uint8Array([0, 0, 5]))).toThrow(/trailing bytes/);
  });
});

describe("handshake MACs", () => {
  const secret = Buffer.from("0123456789abcdef0123");
  test("bind the secret, the nonce, the role and both names", () => {
    const mac = handshakeMac(secret, "dial", "n1", "alpha-0", "beta-0");
    expect(macMatches(mac, handshakeMac(secret, "dial", "n1", "alpha-0", "beta-0"))).toBe(true);
    expect(macMatches(mac, handshakeMac(Buffer.from("another-secret-000000"), "dial", "n1", "alpha-0", "beta-0"))).toBe(false);
    expect(macMatches(mac, handshakeMac(secret, "dial", "n2", "alpha-0", "beta-0"))).toBe(false);
    expect(macMatches(mac, handshakeMac(secret, "accept", "n1", "alpha-0", "beta-0"))).toBe(false);
    expect(macMatches(mac, handshakeMac(secret, "dial", "n1", "beta-0", "alpha-0"))).toBe(false);
  });
  test("a proof must name a node as region-ordinal", () => {
    const proof = { type: "proof", nonce: "a".repeat(64), mac: "b".repeat(64) };
    expect(proofSchema.safeParse({ ...proof, node: "beta-1" }).success).toBe(true);
    expect(proofSchema.safeParse({ ...proof, node: "beta-1\nforged" }).success).toBe(false);
    expect(proofSchema.safeParse({ ...proof, node: "x".repeat(500) }).success).toBe(false);
  });

  test("a MAC of the wrong length never matches", () => {
    expect(macMatches("ab".repeat(32), "ab")).toBe(false);
  });
});
