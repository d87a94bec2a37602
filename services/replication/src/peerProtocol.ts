import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import * as decoding from "lib0/decoding";
import * as encoding from "lib0/encoding";
import { z } from "zod";
import { SHARD_COUNT } from "./keys";

/**
 * Binary frames exchanged after authentication. A SYNC frame carries y-protocols sync messages
 * (step 1, step 2, update), each tagged with its shard; a STATE frame carries each shard's state
 * vector (so the other side can report how far behind it is) and the names of the nodes the
 * sender is directly connected to (so the other side need not relay their updates to it).
 */
export const FRAME_SYNC = 0;
export const FRAME_STATE = 1;

export interface ShardMessage {
  readonly shard: number;
  readonly payload: Uint8Array;
}

export interface Frame {
  readonly kind: typeof FRAME_SYNC | typeof FRAME_STATE;
  readonly entries: readonly ShardMessage[];
  /** STATE frames only: the sender's directly connected peers. */
  readonly connected?: readonly string[];
}

export function encodeFrame(frame: Frame): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, frame.kind);
  encoding.writeVarUint(encoder, frame.entries.length);
  for (const entry of frame.entries) {
    encoding.writeVarUint(encoder, entry.shard);
    encoding.writeVarUint8Array(encoder, entry.payload);
  }
  if (frame.kind === FRAME_STATE) {
    const connected = frame.connected ?? [];
    encoding.writeVarUint(encoder, connected.length);
    for (const name of connected) encoding.writeVarString(encoder, name);
  }
  return encoding.toUint8Array(encoder);
}

/** Throws on a malformed frame; callers close the connection. */
export function decodeFrame(bytes: Uint8Array): Frame {
  const decoder = decoding.createDecoder(bytes);
  const kind = decoding.readVarUint(decoder);
  if (kind !== FRAME_SYNC && kind !== FRAME_STATE) throw new Error(`unknown frame kind ${kind}`);
  const count = decoding.readVarUint(decoder);
  const entries: ShardMessage[] = [];
  for (let i = 0; i < count; i++) {
    const shard = decoding.readVarUint(decoder);
    if (shard >= SHARD_COUNT) throw new Error(`shard ${shard} out of range`);
    entries.push({ shard, payload: decoding.readVarUint8Array(decoder) });
  }
  const connected: string[] = [];
  if (kind === FRAME_STATE) {
    const count = decoding.readVarUint(decoder);
    for (let i = 0; i < count; i++) connected.push(decoding.readVarString(decoder));
  }
  if (decoding.hasContent(decoder)) throw new Error("trailing bytes after frame");
  return kind === FRAME_STATE ? { kind, entries, connected } : { kind, entries };
}

/**
 * Mutual HMAC challenge-response over the shared secret (the secret never crosses the wire):
 *   acceptor -> dialer : challenge {node, nonce}
 *   dialer -> acceptor : proof {node, nonce, mac = HMAC(secret, "dial", acceptorNonce, dialer, acceptor)}
 *   acceptor -> dialer : accept {mac = HMAC(secret, "accept", dialerNonce, acceptor, dialer)}
 * Each side's MAC binds both fresh nonces' owner and both names, so a recorded exchange cannot be replayed.
 */
export const PROTOCOL = "dsc-replication/2";

const nodeNameSchema = z.string().regex(/^[a-z]+-\d{1,4}$/);

export const challengeSchema = z.object({ type: z.literal("challenge"), protocol: z.literal(PROTOCOL), shards: z.literal(SHARD_COUNT), node: nodeNameSchema, nonce: z.string().length(64) });
export const proofSchema = z.object({ type: z.literal("proof"), node: nodeNameSchema, nonce: z.string().length(64), mac: z.string().length(64) });
export const acceptSchema = z.object({ type: z.literal("accept"), mac: z.string().length(64) });

export function newNonce(): string {
  return randomBytes(32).toString("hex");
}

export function handshakeMac(secret: Buffer, role: "dial" | "accept", nonce: string, from: string, to: string): string {
  return createHmac("sha256", secret).update(`${PROTOCOL}\n${role}\n${nonce}\n${from}\n${to}`).digest("hex");
}

export function macMatches(expected: string, received: string): boolean {
  const a = Buffer.from(expected, "hex");
  const b = Buffer.from(received, "hex");
  return a.length === b.length && timingSafeEqual(a, b);
}
