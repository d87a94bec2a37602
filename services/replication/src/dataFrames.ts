import * as decoding from "lib0/decoding";
import * as encoding from "lib0/encoding";
import { SHARD_COUNT } from "./keys";

/**
 * Signed envelopes and the frames peers exchange after authentication.
 *
 * An envelope is one Yjs update of one writer's document of one shard (or that writer's snapshot
 * of it), signed by the writer. Its bytes are never re-encoded: relays and catch-up forward the
 * very bytes the writer signed, so the signature survives every hop.
 */
export const ENVELOPE_VERSION = 1;
export const KIND_UPDATE = 0;
export const KIND_SNAPSHOT = 1;
export type EnvelopeKind = typeof KIND_UPDATE | typeof KIND_SNAPSHOT;

export interface Envelope {
  readonly kind: EnvelopeKind;
  readonly writer: string;
  readonly shard: number;
  readonly update: Uint8Array;
  readonly signature: Uint8Array;
  /** The bytes the writer signed (everything before the signature). */
  readonly signed: Uint8Array;
  /** The whole envelope as received or made: what is stored and forwarded. */
  readonly bytes: Uint8Array;
}

const MAX_NAME = 64;

export function sealEnvelope(kind: EnvelopeKind, writer: string, shard: number, update: Uint8Array, sign: (data: Uint8Array) => Uint8Array): Envelope {
  const head = encoding.createEncoder();
  encoding.writeVarUint(head, ENVELOPE_VERSION);
  encoding.writeVarUint(head, kind);
  encoding.writeVarString(head, writer);
  encoding.writeVarUint(head, shard);
  encoding.writeVarUint8Array(head, update);
  const signed = encoding.toUint8Array(head);
  const signature = sign(signed);
  const whole = encoding.createEncoder();
  encoding.writeUint8Array(whole, signed);
  encoding.writeVarUint8Array(whole, signature);
  return { kind, writer, shard, update, signature, signed, bytes: encoding.toUint8Array(whole) };
}

/** Throws on malformed bytes (the caller counts and drops them). Does not check the signature. */
export function openEnvelope(bytes: Uint8Array): Envelope {
  const decoder = decoding.createDecoder(bytes);
  const version = decoding.readVarUint(decoder);
  if (version !== ENVELOPE_VERSION) throw new Error(`envelope version ${version}`);
  const kind = decoding.readVarUint(decoder);
  if (kind !== KIND_UPDATE && kind !== KIND_SNAPSHOT) throw new Error(`envelope kind ${kind}`);
  const writer = decoding.readVarString(decoder);
  if (writer.length > MAX_NAME) throw new Error("writer name too long");
  const shard = decoding.readVarUint(decoder);
  if (shard >= SHARD_COUNT) throw new Error(`shard ${shard} out of range`);
  const update = decoding.readVarUint8Array(decoder);
  const signedLength = decoder.pos;
  const signature = decoding.readVarUint8Array(decoder);
  if (decoding.hasContent(decoder)) throw new Error("trailing bytes after envelope");
  return { kind, writer, shard, update, signature, signed: bytes.subarray(0, signedLength), bytes };
}

export const FRAME_STATE = 10;
export const FRAME_ENVELOPES = 11;
export const FRAME_CREDENTIALS = 12;
export const FRAME_RESYNC = 13;

export interface DocState {
  readonly writer: string;
  readonly shard: number;
  /** Yjs state vector of that writer's document of that shard. */
  readonly stateVector: Uint8Array;
}

export type DataFrame =
  | { kind: typeof FRAME_STATE; connected: string[]; docs: DocState[]; digests: Array<{ shard: number; digest: string }> }
  | { kind: typeof FRAME_ENVELOPES; envelopes: Uint8Array[] }
  | { kind: typeof FRAME_CREDENTIALS; credentials: Uint8Array[] }
  | { kind: typeof FRAME_RESYNC; shards: number[] };

export function encodeDataFrame(frame: DataFrame): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, frame.kind);
  switch (frame.kind) {
    case FRAME_STATE:
      writeStrings(e, frame.connected);
      encoding.writeVarUint(e, frame.docs.length);
      for (const doc of frame.docs) {
        encoding.writeVarString(e, doc.writer);
        encoding.writeVarUint(e, doc.shard);
        encoding.writeVarUint8Array(e, doc.stateVector);
      }
      encoding.writeVarUint(e, frame.digests.length);
      for (const d of frame.digests) {
        encoding.writeVarUint(e, d.shard);
        encoding.writeVarString(e, d.digest);
      }
      break;
    case FRAME_ENVELOPES:
      writeBlobs(e, frame.envelopes);
      break;
    case FRAME_CREDENTIALS:
      writeBlobs(e, frame.credentials);
      break;
    case FRAME_RESYNC:
      encoding.writeVarUint(e, frame.shards.length);
      for (const shard of frame.shards) encoding.writeVarUint(e, shard);
      break;
  }
  return encoding.toUint8Array(e);
}

/** Throws on a malformed frame; the session counts it and the transport drops the connection. */
export function decodeDataFrame(bytes: Uint8Array): DataFrame {
  const d = decoding.createDecoder(bytes);
  const kind = decoding.readVarUint(d);
  let frame: DataFrame;
  if (kind === FRAME_STATE) {
    const connected = readStrings(d);
    const docs: DocState[] = [];
    for (let i = 0, n = bounded(d, 4096); i < n; i++) {
      const writer = decoding.readVarString(d);
      const shard = readShard(d);
      docs.push({ writer, shard, stateVector: decoding.readVarUint8Array(d) });
    }
    const digests: Array<{ shard: number; digest: string }> = [];
    for (let i = 0, n = bounded(d, SHARD_COUNT); i < n; i++) digests.push({ shard: readShard(d), digest: decoding.readVarString(d) });
    frame = { kind, connected, docs, digests };
  } else if (kind === FRAME_ENVELOPES) {
    frame = { kind, envelopes: readBlobs(d) };
  } else if (kind === FRAME_CREDENTIALS) {
    frame = { kind, credentials: readBlobs(d) };
  } else if (kind === FRAME_RESYNC) {
    const shards: number[] = [];
    for (let i = 0, n = bounded(d, SHARD_COUNT); i < n; i++) shards.push(readShard(d));
    frame = { kind, shards };
  } else {
    throw new Error(`unknown frame kind ${kind}`);
  }
  if (decoding.hasContent(d)) throw new Error("trailing bytes after frame");
  return frame;
}

function bounded(d: decoding.Decoder, max: number): number {
  const n = decoding.readVarUint(d);
  if (n > max) throw new Error(`list of ${n} entries (at most ${max})`);
  return n;
}

function readShard(d: decoding.Decoder): number {
  const shard = decoding.readVarUint(d);
  if (shard >= SHARD_COUNT) throw new Error(`shard ${shard} out of range`);
  return shard;
}

function writeStrings(e: encoding.Encoder, list: readonly string[]): void {
  encoding.writeVarUint(e, list.length);
  for (const s of list) encoding.writeVarString(e, s);
}

function readStrings(d: decoding.Decoder): string[] {
  const out: string[] = [];
  for (let i = 0, n = bounded(d, 1024); i < n; i++) out.push(decoding.readVarString(d));
  return out;
}

function writeBlobs(e: encoding.Encoder, list: readonly Uint8Array[]): void {
  encoding.writeVarUint(e, list.length);
  for (const b of list) encoding.writeVarUint8Array(e, b);
}

function readBlobs(d: decoding.Decoder): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0, n = bounded(d, 1 << 20); i < n; i++) out.push(decoding.readVarUint8Array(d));
  return out;
}
