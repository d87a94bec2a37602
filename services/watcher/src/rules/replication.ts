/**
 * The replication integrity rule. Two nodes that hold the same updates must resolve every document the same
 * way, so equal state vectors with different digests mean one of them holds data the CRDT did not produce (a
 * tampered store, a node that lies): a breach once it lasts longer than a bound. Anything else (a peer down,
 * cut off, behind, or a transient difference while writes are in flight) is reported, never a breach.
 *
 * "Equal state vectors" is read from what the nodes publish: each node's status says, per peer, how many
 * operations it holds that the peer had not seen at the peer's last state report (`behindOps`). Both sides at 0,
 * with fresh reports, means neither holds anything the other lacks.
 */
import type { Breach } from "../breach";

/** The fields of a replication node's `GET /v1/replication/status` that the rule reads. */
export interface NodeStatus {
  readonly node: string;
  readonly digest: string;
  readonly peers: ReadonlyArray<{ readonly node?: string; readonly state: string; readonly behindOps?: number; readonly lastStateAgeMs?: number }>;
}

/** A state report older than this is stale (nodes report every second). */
export const STALE_REPORT_MS = 5000;

export type PairState =
  | { kind: "unreachable"; error: string }
  | { kind: "disconnected" }
  | { kind: "lagging"; behindOps: number | undefined }
  | { kind: "in-sync" }
  | { kind: "diverged"; digests: [string, string] };

/** What one poll of this node and one peer shows about the pair. */
export function observePair(self: NodeStatus, peer: NodeStatus | { error: string }): PairState {
  if ("error" in peer) return { kind: "unreachable", error: peer.error };
  const mine = self.peers.find((p) => p.node === peer.node);
  const theirs = peer.peers.find((p) => p.node === self.node);
  if (mine?.state !== "connected" || theirs?.state !== "connected") return { kind: "disconnected" };
  const fresh = (p: { lastStateAgeMs?: number }) => p.lastStateAgeMs !== undefined && p.lastStateAgeMs <= STALE_REPORT_MS;
  const equalVectors = mine.behindOps === 0 && theirs.behindOps === 0 && fresh(mine) && fresh(theirs);
  if (!equalVectors) return { kind: "lagging", behindOps: Math.max(mine.behindOps ?? 0, theirs.behindOps ?? 0) || undefined };
  return self.digest === peer.digest ? { kind: "in-sync" } : { kind: "diverged", digests: [self.digest, peer.digest] };
}

export interface PairTrack {
  /** When the current unbroken run of "diverged" observations began. */
  readonly divergedSince?: number;
  /** Whether this run was already reported as a breach. */
  readonly reported?: boolean;
}

/**
 * Folds one observation into the pair's track. Only an unbroken run of divergence longer than `boundMs` is a
 * breach (once per run); any other observation ends the run.
 */
export function stepPair(track: PairTrack, state: PairState, now: number, boundMs: number, pair: { self: string; peer: string }): { track: PairTrack; breach?: Breach } {
  if (state.kind !== "diverged") return { track: {} };
  const since = track.divergedSince ?? now;
  if (track.reported || now - since < boundMs) return { track: { divergedSince: since, reported: track.reported } };
  return {
    track: { divergedSince: since, reported: true },
    breach: {
      detector: "replication",
      object: `replication ${pair.self} vs ${pair.peer}`,
      what: `equal state vectors but different digests (${state.digests[0].slice(0, 12)}… vs ${state.digests[1].slice(0, 12)}…) for ${Math.round((now - since) / 1000)} s`,
      key: `replication:${pair.self}:${pair.peer}:${since}`,
    },
  };
}
