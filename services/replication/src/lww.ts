import { compareHlc, Hlc } from "./hlc";
import { compareNodeIds, NodeId, nodeName, parseNodeName } from "./identity";

/**
 * What one writer last stored for one document: the value, or a tombstone for a delete.
 * Stored as plain JSON inside the writer's own Y.Map (see shards.ts), so Yjs never has to
 * arbitrate between two regions' sets of the same map key.
 */
export interface Slot {
  readonly w: number; // HLC wall
  readonly c: number; // HLC counter
  readonly v?: unknown; // value; absent for a tombstone
  readonly d?: 1; // tombstone marker
}

export interface Version {
  readonly hlc: Hlc;
  readonly writer: NodeId;
}

export interface Candidate {
  readonly writer: NodeId;
  readonly slot: Slot;
}

export function slotHlc(slot: Slot): Hlc {
  return { wall: slot.w, counter: slot.c };
}

/** Latest write wins by HLC; equal HLCs are ordered by region, then replica ordinal. */
export function compareVersions(a: Version, b: Version): number {
  const byClock = compareHlc(a.hlc, b.hlc);
  return byClock !== 0 ? byClock : compareNodeIds(a.writer, b.writer);
}

/** The winning candidate; undefined only for an empty list. Independent of input order. */
export function pickWinner(candidates: readonly Candidate[]): Candidate | undefined {
  let best: Candidate | undefined;
  for (const candidate of candidates) {
    if (!best || compareVersions(versionOf(candidate), versionOf(best)) > 0) best = candidate;
  }
  return best;
}

export function versionOf(candidate: Candidate): Version {
  return { hlc: slotHlc(candidate.slot), writer: candidate.writer };
}

/** Version text returned to clients, e.g. "1732540000000.3@alpha-0"; sorts like compareVersions within one wall width. */
export function formatVersion(version: Version): string {
  return `${version.hlc.wall}.${version.hlc.counter}@${nodeName(version.writer)}`;
}

export function parseVersion(text: string): Version | undefined {
  const match = /^(\d+)\.(\d+)@(.+)$/.exec(text);
  const writer = match ? parseNodeName(match[3]) : undefined;
  if (!match || !writer) return undefined;
  return { hlc: { wall: Number(match[1]), counter: Number(match[2]) }, writer };
}
