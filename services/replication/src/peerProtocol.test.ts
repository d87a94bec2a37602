import { decodeFrame, encodeFrame, FRAME_STATE, FRAME_SYNC } from "./peerProtocol";

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
