import { KeyObject, sign } from "node:crypto";
import * as encoding from "lib0/encoding";
import * as Y from "yjs";
import { encodeDataFrame, encodeEnvelope, FRAME_ENVELOPES, KIND_UPDATE, openEnvelope, sealEnvelope, sealEnvelopes } from "../dataFrames";
import { shardOf, storageKey } from "../keys";
import { SLOTS_MAP } from "../updateGuard";

/**
 * Frames a compromised region would send: each is a complete FRAME_ENVELOPES frame in the real
 * data protocol, for the simulator, the unit tests and the attack tests against real processes.
 * `key` is the compromised node's private key (what it really holds); the forged writer names and
 * contents are the attack.
 */
export type Attack =
  | "forge_other_writer"
  | "forge_unknown_writer"
  | "rewrite_under_version"
  | "tamper_genuine"
  | "plain_deletes"
  | "bigint_clock"
  | "nan_clock"
  | "far_future"
  | "counter_2_53"
  | "counter_range"
  | "oversized"
  | "client_id_flood"
  | "nested_type";

export const ATTACKS: readonly Attack[] = [
  "forge_other_writer",
  "forge_unknown_writer",
  "rewrite_under_version",
  "tamper_genuine",
  "plain_deletes",
  "bigint_clock",
  "nan_clock",
  "far_future",
  "counter_2_53",
  "counter_range",
  "oversized",
  "client_id_flood",
  "nested_type",
];

export interface AttackContext {
  /** The compromised node's name and private key. */
  readonly self: string;
  readonly key: KeyObject;
  /** Another region's node, and its document of the key's shard as this node holds it. */
  readonly victim: string;
  readonly victimDoc: Y.Doc;
  /** A genuine envelope of the victim (to tamper with), if one is at hand. */
  readonly genuine?: Uint8Array;
  readonly collection: string;
  readonly id: string;
  readonly now: number;
  /** How many client ids the flood uses (the real attack: 320,000). */
  readonly floodClients?: number;
  /** Size of the oversized document's padding (default 300 KiB; the real attack: 64 MiB). */
  readonly padBytes?: number;
}

/** The frame of one attack. */
export function attackFrame(attack: Attack, ctx: AttackContext): Uint8Array {
  return encodeDataFrame({ kind: FRAME_ENVELOPES, envelopes: attackEnvelopes(attack, ctx) });
}

export function attackEnvelopes(attack: Attack, ctx: AttackContext): Uint8Array[] {
  const key = storageKey(ctx.collection, ctx.id);
  const shard = shardOf(key);
  const signer = (data: Uint8Array) => sign("sha256", data, ctx.key);
  const own = (update: Uint8Array, ends?: ReadonlyMap<number, number>) => sealEnvelopes(ctx.self, [{ kind: KIND_UPDATE, shard, update, ends }], signer).map((e) => e.bytes);
  const forged = { forged: attack };
  switch (attack) {
    case "forge_other_writer":
      return [sealEnvelope(KIND_UPDATE, ctx.victim, shard, slotUpdate(key, { w: ctx.now, c: 0, v: forged }), signer).bytes];
    case "forge_unknown_writer":
      return [sealEnvelope(KIND_UPDATE, "alpha-7", shard, slotUpdate(key, { w: ctx.now + 1000, c: 0, v: forged }), signer).bytes];
    case "rewrite_under_version": {
      // The victim's own item rewritten: same client id and clock, same version, other value.
      const slot = ctx.victimDoc.getMap(SLOTS_MAP).get(key) as { w: number; c: number } | undefined;
      const copy = new Y.Doc();
      copy.clientID = [...Y.decodeStateVector(Y.encodeStateVector(ctx.victimDoc)).keys()][0] ?? 1;
      copy.getMap(SLOTS_MAP).set(key, { w: slot?.w ?? ctx.now, c: slot?.c ?? 0, v: forged });
      return [sealEnvelope(KIND_UPDATE, ctx.victim, shard, Y.encodeStateAsUpdate(copy), signer).bytes];
    }
    case "tamper_genuine": {
      if (!ctx.genuine) return [];
      const genuine = openEnvelope(ctx.genuine);
      // Keep the victim's signature and the envelope's place in its commit tree (a root the
      // receiver has already checked), swap the update for one of the attacker's choosing.
      const update = slotUpdate(key, { w: ctx.now + 2000, c: 0, v: forged });
      return [encodeEnvelope(genuine.writer, { kind: KIND_UPDATE, shard: genuine.shard, update }, genuine.proof ?? { index: 0, size: 1, path: [] }, genuine.signature)];
    }
    case "plain_deletes": {
      // A Yjs delete set covering every item of the victim's document, under the victim's name
      // (refused: not its signature) and under the attacker's own (lands in its own document only).
      const copy = new Y.Doc();
      Y.applyUpdate(copy, Y.encodeStateAsUpdate(ctx.victimDoc));
      const before = Y.encodeStateVector(copy);
      const map = copy.getMap(SLOTS_MAP);
      copy.transact(() => {
        for (const k of [...map.keys()]) map.delete(k);
      });
      const deletes = Y.encodeStateAsUpdate(copy, before);
      return [sealEnvelope(KIND_UPDATE, ctx.victim, shard, deletes, signer).bytes, ...own(deletes)];
    }
    case "bigint_clock":
      return own(slotUpdate(key, { w: BigInt(ctx.now), c: 0, v: forged }));
    case "nan_clock":
      return own(slotUpdate(key, { w: NaN, c: 0, v: forged }));
    case "far_future":
      return own(slotUpdate(key, { w: ctx.now + 100 * 365 * 24 * 3600 * 1000, c: 0, v: forged }));
    case "counter_2_53":
      return own(slotUpdate(key, { w: ctx.now, c: 2 ** 53, v: forged }));
    case "counter_range":
      return own(slotUpdate(key, { w: ctx.now, c: 2 ** 40, v: forged }));
    case "oversized":
      return own(slotUpdate(key, { w: ctx.now, c: 0, v: { ...forged, pad: "x".repeat(ctx.padBytes ?? 300 * 1024) } }));
    case "client_id_flood":
      // Naming no clock ends, so that the receiver gets as far as the update itself (naming all is malformed past 100,000).
      return own(clientFlood(ctx.floodClients ?? 200, ctx.collection, shard, ctx.now), new Map());
    case "nested_type": {
      const doc = new Y.Doc();
      const inner = new Y.Map<unknown>();
      doc.getMap(SLOTS_MAP).set(key, inner);
      inner.set("w", ctx.now);
      return own(Y.encodeStateAsUpdate(doc));
    }
  }
}

function slotUpdate(key: string, slot: Record<string, unknown>): Uint8Array {
  const doc = new Y.Doc();
  doc.getMap(SLOTS_MAP).set(key, slot);
  return Y.encodeStateAsUpdate(doc);
}

/**
 * One Yjs update (v1 encoding) with `n` client ids, one slot each, all on one key of `shard`
 * (concurrent writes to a key are honest Yjs): written by hand, since 320,000 Y.Docs would take
 * minutes to build.
 */
export function clientFlood(n: number, collection: string, shard: number, now: number): Uint8Array {
  let candidate = 0;
  while (shardOf(`${collection}/flood-${candidate}`) !== shard) candidate++;
  const key = `${collection}/flood-${candidate}`;
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, n);
  for (let i = 0; i < n; i++) {
    encoding.writeVarUint(e, 1); // one struct
    encoding.writeVarUint(e, 1_000_000 + i); // client
    encoding.writeVarUint(e, 0); // clock
    encoding.writeUint8(e, 8 | 0x20); // ContentAny, with parentSub
    encoding.writeVarUint(e, 1); // parent is a top-level type...
    encoding.writeVarString(e, SLOTS_MAP); // ...named
    encoding.writeVarString(e, key); // parentSub
    encoding.writeVarUint(e, 1); // one value
    encoding.writeAny(e, { w: now, c: 0, v: { forged: "client_id_flood" } });
  }
  encoding.writeVarUint(e, 0); // empty delete set
  return encoding.toUint8Array(e);
}
