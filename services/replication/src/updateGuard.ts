import * as decoding from "lib0/decoding";
import * as Y from "yjs";
import { shardOf } from "./keys";
import { checkSlot, SlotLimits, SlotRefusal } from "./slotShape";

/**
 * What a writer's update may contain before it is applied to that writer's document. A writer's
 * document holds one top-level Y.Map (SLOTS_MAP) of slots and nothing else, so every item of an
 * honest update is a slot (ContentAny holding {w, c, v|d}), a deleted item, a GC or a skip. The
 * slots are checked here, against the clock and size bounds, before Yjs ever sees the update:
 * a refused update leaves no trace. Pure except for Yjs' decoder.
 */
export const SLOTS_MAP = "slots";

export type UpdateRefusal = SlotRefusal | "malformed" | "content" | "client_ids";

export interface GuardLimits extends SlotLimits {
  /** Most distinct Yjs client ids one writer's document of one shard may ever hold. */
  readonly maxClients: number;
}

export type GuardResult = { ok: true; newClients: number } | { ok: false; reason: UpdateRefusal; detail: string };

/**
 * The first thing checked of a peer's update, before its signature, its metadata or its structs
 * are decoded (each of those costs seconds for a 25 MB update): a Yjs v1 update opens with the
 * number of client groups it holds, and Yjs writes one group per client, so more groups than a
 * writer's document of a shard may ever hold clients cannot be honest. Reads one varint.
 */
export function clientGroupsBeyond(update: Uint8Array, maxClients: number): Extract<GuardResult, { ok: false }> | undefined {
  let groups: number;
  try {
    groups = decoding.readVarUint(decoding.createDecoder(update));
  } catch {
    return { ok: false, reason: "malformed", detail: "not a Yjs update (no client group count)" };
  }
  if (groups <= maxClients) return undefined;
  return { ok: false, reason: "client_ids", detail: `${groups} Yjs client groups in one update (at most ${maxClients} per writer and shard)` };
}

/** A Yjs update's structs, decoded once for every check a received update goes through. */
export interface DecodedUpdate {
  readonly structs: ReadonlyArray<Y.Item | Y.GC | Y.Skip>;
  /** Per client, the clock just past its last struct (Yjs' `parseUpdateMeta().to`, without a second decode). */
  readonly ends: ReadonlyMap<number, number>;
}

export function decodeUpdate(update: Uint8Array): DecodedUpdate | Extract<GuardResult, { ok: false }> {
  let structs: Array<Y.Item | Y.GC | Y.Skip>;
  try {
    structs = (Y.decodeUpdate(update) as { structs: typeof structs }).structs;
  } catch (error) {
    return { ok: false, reason: "malformed", detail: `not a Yjs update (${(error as Error).message})` };
  }
  const ends = new Map<number, number>();
  for (const struct of structs) {
    if (struct instanceof Y.Skip) continue;
    const end = struct.id.clock + struct.length;
    if (end > (ends.get(struct.id.client) ?? 0)) ends.set(struct.id.client, end);
  }
  return { structs, ends };
}

/** `known`: the client ids (with their clocks) the writer's document already holds. */
export function inspectUpdate(update: Uint8Array, shard: number, known: ReadonlyMap<number, number>, limits: GuardLimits): GuardResult {
  const decoded = decodeUpdate(update);
  return "ok" in decoded ? decoded : inspectStructs(decoded, shard, known, limits);
}

/** The checks of `inspectUpdate` on an update already decoded. */
export function inspectStructs(decoded: DecodedUpdate, shard: number, known: ReadonlyMap<number, number>, limits: GuardLimits): GuardResult {
  // This protocol never deletes without writing (a delete is a tombstone slot), so an update of
  // deletions alone is no honest writer's; refusing it also keeps it from circulating unrecognised.
  if (decoded.structs.length === 0) return { ok: false, reason: "content", detail: "an update without items (deletions only)" };
  const clients = new Set<number>();
  for (const struct of decoded.structs) {
    const client = struct.id.client;
    if (!known.has(client)) clients.add(client);
    if (!(struct instanceof Y.Item)) continue;
    const parent = struct.parent as unknown;
    if (parent !== null && parent !== SLOTS_MAP) return { ok: false, reason: "content", detail: `an item outside the slot map (${typeof parent === "string" ? parent : "nested type"})` };
    const sub = struct.parentSub as unknown;
    if (typeof sub === "string" && (!sub.includes("/") || shardOf(sub) !== shard)) return { ok: false, reason: "content", detail: `key ${sub.slice(0, 80)} does not belong to shard ${shard}` };
    const content = struct.content;
    if (content instanceof Y.ContentDeleted) continue;
    if (!(content instanceof Y.ContentAny)) return { ok: false, reason: "content", detail: `item content ${content.constructor.name} is not a slot` };
    for (const value of content.arr) {
      const check = checkSlot(value, limits);
      if (!check.ok) return { ok: false, reason: check.reason, detail: check.detail };
    }
  }
  if (known.size + clients.size > limits.maxClients) {
    return { ok: false, reason: "client_ids", detail: `${clients.size} new Yjs client ids on top of ${known.size} (at most ${limits.maxClients} per writer and shard)` };
  }
  return { ok: true, newClients: clients.size };
}
