import * as decoding from "lib0/decoding";
import * as encoding from "lib0/encoding";
import * as Y from "yjs";
import { buildTree, HASH_BYTES, InclusionProof, leafHash, MAX_TREE_SIZE, rootFromProof } from "./commitTree";
import { MAX_CLIENT_IDS } from "./config";
import { SHARD_COUNT } from "./keys";

/**
 * Signed envelopes and the frames peers exchange after authentication.
 *
 * An envelope is one Yjs update of one writer's document of one shard (or that writer's snapshot
 * of it), signed by the writer. Its bytes are never re-encoded: relays and catch-up forward the
 * very bytes the writer signed, so the signature survives every hop.
 *
 * Version 2 (what this node writes): the writer signs once per group commit, the root of a Merkle
 * tree over the commit's envelopes (commitTree.ts); each envelope carries its inclusion proof and
 * that signature. Its signed content also names, per Yjs client, the clock just past the update's
 * last struct (`ends`), so a node tells a duplicate, or what a peer lacks, without decoding the
 * update (a decode per stored row was most of a catch-up); a receiver that does decode it refuses
 * ends that differ from the update's. Version 1 (one signature per envelope over its own bytes) is still read, so a
 * log written before stays readable and relayable.
 */
export const ENVELOPE_VERSION = 2;
const ENVELOPE_V1 = 1;
export const KIND_UPDATE = 0;
export const KIND_SNAPSHOT = 1;
export type EnvelopeKind = typeof KIND_UPDATE | typeof KIND_SNAPSHOT;

/** Per Yjs client, the clock just past its last struct in an update (Yjs' `parseUpdateMeta().to`). */
export type ClockEnds = ReadonlyMap<number, number>;

/** What a writer puts in one envelope; `ends` is worked out from the update when not given. */
export interface EnvelopeContent {
  readonly kind: EnvelopeKind;
  readonly shard: number;
  readonly update: Uint8Array;
  readonly ends?: ClockEnds;
}

export interface Envelope extends EnvelopeContent {
  readonly version: typeof ENVELOPE_V1 | typeof ENVELOPE_VERSION;
  /** As the writer signed them (version 2); undefined in version 1. */
  readonly ends: ClockEnds | undefined;
  readonly writer: string;
  /** Version 2: where the envelope sits in its commit's tree. */
  readonly proof?: InclusionProof;
  readonly signature: Uint8Array;
  /** The encoded content (version 1: everything before the signature), the tree's leaf. */
  readonly content: Uint8Array;
  /** The whole envelope as received or made: what is stored and forwarded. */
  readonly bytes: Uint8Array;
}

const MAX_NAME = 64;

/** Prefix of the statement a writer signs for a commit: no other signature of its key starts so. */
const ROOT_STATEMENT = Buffer.from("dsc-replication/commit-root/2\n");

function encodeContent(writer: string, content: EnvelopeContent): { bytes: Uint8Array; ends: ClockEnds } {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, ENVELOPE_VERSION);
  encoding.writeVarUint(e, content.kind);
  encoding.writeVarString(e, writer);
  encoding.writeVarUint(e, content.shard);
  encoding.writeVarUint8Array(e, content.update);
  const ends = content.ends ?? endsOf(content.update);
  encoding.writeVarUint(e, ends.size);
  for (const [client, end] of ends) {
    encoding.writeVarUint(e, client);
    encoding.writeVarUint(e, end);
  }
  return { bytes: encoding.toUint8Array(e), ends };
}

/** The ends of an update, decoded (for callers without the transaction at hand); none for a malformed one. */
function endsOf(update: Uint8Array): ClockEnds {
  try {
    return Y.parseUpdateMeta(update).to;
  } catch {
    return new Map();
  }
}

function withProof(content: Uint8Array, proof: InclusionProof, signature: Uint8Array): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeUint8Array(e, content);
  encoding.writeVarUint(e, proof.index);
  encoding.writeVarUint(e, proof.size);
  encoding.writeVarUint(e, proof.path.length);
  for (const hash of proof.path) encoding.writeUint8Array(e, hash);
  encoding.writeVarUint8Array(e, signature);
  return encoding.toUint8Array(e);
}

/** A version 2 envelope from its parts (tests graft parts of one onto another). */
export function encodeEnvelope(writer: string, content: EnvelopeContent, proof: InclusionProof, signature: Uint8Array): Uint8Array {
  return withProof(encodeContent(writer, content).bytes, proof, signature);
}

/** The envelopes of one commit of `writer`, under one signature over their tree's root. */
export function sealEnvelopes(writer: string, contents: readonly EnvelopeContent[], sign: (data: Uint8Array) => Uint8Array): Envelope[] {
  const encoded = contents.map((content) => encodeContent(writer, content));
  const { root, proofs } = buildTree(encoded.map((content) => leafHash(content.bytes)));
  const signature = sign(Buffer.concat([ROOT_STATEMENT, root]));
  return contents.map(({ kind, shard, update }, i) => {
    const bytes = withProof(encoded[i].bytes, proofs[i], signature);
    return { version: ENVELOPE_VERSION, kind, writer, shard, update, ends: encoded[i].ends, proof: proofs[i], signature, content: bytes.subarray(0, encoded[i].bytes.length), bytes };
  });
}

export function sealEnvelope(kind: EnvelopeKind, writer: string, shard: number, update: Uint8Array, sign: (data: Uint8Array) => Uint8Array): Envelope {
  return sealEnvelopes(writer, [{ kind, shard, update }], sign)[0];
}

/**
 * The bytes the writer's signature must cover: the commit root the proof leads to (version 2),
 * or the content itself (version 1); undefined for a proof that leads nowhere. Hashes the
 * content, so it is computed when a signature is to be checked, not on every open.
 */
export function signedStatement(envelope: Envelope): Uint8Array | undefined {
  if (!envelope.proof) return envelope.content;
  const root = rootFromProof(leafHash(envelope.content), envelope.proof);
  return root && Buffer.concat([ROOT_STATEMENT, root]);
}

/** Throws on malformed bytes (the caller counts and drops them). Does not check the signature. */
export function openEnvelope(bytes: Uint8Array): Envelope {
  const decoder = decoding.createDecoder(bytes);
  const version = decoding.readVarUint(decoder);
  if (version !== ENVELOPE_VERSION && version !== ENVELOPE_V1) throw new Error(`envelope version ${version}`);
  const kind = decoding.readVarUint(decoder);
  if (kind !== KIND_UPDATE && kind !== KIND_SNAPSHOT) throw new Error(`envelope kind ${kind}`);
  const writer = decoding.readVarString(decoder);
  if (writer.length > MAX_NAME) throw new Error("writer name too long");
  const shard = decoding.readVarUint(decoder);
  if (shard >= SHARD_COUNT) throw new Error(`shard ${shard} out of range`);
  const update = decoding.readVarUint8Array(decoder);
  const ends = version === ENVELOPE_VERSION ? readEnds(decoder) : undefined;
  const content = bytes.subarray(0, decoder.pos);
  const proof = version === ENVELOPE_VERSION ? readProof(decoder) : undefined;
  const signature = decoding.readVarUint8Array(decoder);
  if (decoding.hasContent(decoder)) throw new Error("trailing bytes after envelope");
  return { version, kind, writer, shard, update, ends, proof, signature, content, bytes };
}

function readEnds(decoder: decoding.Decoder): ClockEnds {
  const ends = new Map<number, number>();
  const count = decoding.readVarUint(decoder);
  if (count > MAX_CLIENT_IDS) throw new Error(`clock ends of ${count} clients (at most ${MAX_CLIENT_IDS})`);
  for (let i = 0; i < count; i++) ends.set(decoding.readVarUint(decoder), decoding.readVarUint(decoder));
  if (ends.size !== count) throw new Error("a client named twice in the clock ends");
  return ends;
}

function readProof(decoder: decoding.Decoder): InclusionProof {
  const index = decoding.readVarUint(decoder);
  const size = decoding.readVarUint(decoder);
  if (size === 0 || size > MAX_TREE_SIZE || index >= size) throw new Error(`leaf ${index} of a commit tree of ${size}`);
  const length = decoding.readVarUint(decoder);
  // A tree of MAX_TREE_SIZE leaves is 16 levels deep.
  if (length > 16) throw new Error(`inclusion proof of ${length} hashes`);
  const path = Array.from({ length }, () => decoding.readUint8Array(decoder, HASH_BYTES));
  if (path.some((hash) => hash.length !== HASH_BYTES)) throw new Error("inclusion proof cut short");
  return { index, size, path };
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
