import type { DetectorName, Region } from "./config";

/** What a detector found: the object it concerns and what happened to it. */
export interface Breach {
  readonly detector: DetectorName;
  /** e.g. "StatefulSet dsc-replication-alpha/replication", "Consortium Safe 0xabc…", "replication alpha-0 vs beta-0" */
  readonly object: string;
  readonly what: string;
  /** Identifies the breach across restarts, so it is handled once (e.g. a log's tx hash and index). */
  readonly key: string;
}

/** Guardian reasons are stored on-chain in an event: keep them short but always naming region, detector, object. */
export const MAX_REASON_LENGTH = 400;

export function pauseReason(region: Region, breach: Breach): string {
  const head = `watcher ${region}: ${breach.detector}: ${breach.object}`;
  const full = `${head}: ${breach.what}`;
  return full.length <= MAX_REASON_LENGTH ? full : `${full.slice(0, MAX_REASON_LENGTH - 1)}…`;
}
