import * as decoding from "lib0/decoding";
import * as encoding from "lib0/encoding";
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

// The peer handshake is in handshake.ts.
