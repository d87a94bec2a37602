/**
 * The cluster drift rule: which changes to this region's federation objects no recorded approval explains.
 *
 * Federation objects are the top-level objects the engine creates (labelled `dsc.federation/consortium=dsc` and
 * this region) and everything in a federation namespace that no controller owns. Objects a controller owns
 * (a StatefulSet's pods, a Deployment's ReplicaSets) follow their owner and are not judged themselves.
 *
 * - A change by a field manager other than the engine's or Kubernetes' own components (`kubectl edit`,
 *   `kubectl apply`, a client library) is a breach at once: no approval can explain it.
 * - A change by the engine, a deletion, or an object added by the engine is explained only by a recorded approval
 *   for this region whose window covers it. The gate records the approval on-chain before it applies, so its own
 *   changes always fall inside a window; the verdict waits until the chain has been read past the change, so a
 *   change seen before its approval's block is not misjudged.
 *
 * Field managers and their timestamps come from `metadata.managedFields` (one entry per manager, `time` = its last
 * change, second precision); entries for the `status` subresource are ignored.
 */
import type { Breach } from "../breach";

export const CONSORTIUM_LABEL = "dsc.federation/consortium";
export const REGION_LABEL = "dsc.federation/region";

/** The parts of a Kubernetes object the rule reads. */
export interface ObjectView {
  readonly uid: string;
  readonly kind: string;
  readonly namespace?: string;
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly controlled: boolean;
  /** Main-resource field managers and the time (ms) of their last change. */
  readonly managers: Readonly<Record<string, number>>;
}

export interface RawObject {
  kind?: string;
  metadata?: {
    uid?: string;
    name?: string;
    namespace?: string;
    labels?: Record<string, string>;
    ownerReferences?: Array<{ controller?: boolean }>;
    managedFields?: Array<{ manager?: string; time?: string | Date; subresource?: string }>;
  };
}

/** Reduces a Kubernetes object to what the rule needs (and what the baseline stores). */
export function viewOf(kind: string, o: RawObject): ObjectView | undefined {
  const m = o.metadata;
  if (!m?.uid || !m.name) return undefined;
  const managers: Record<string, number> = {};
  for (const f of m.managedFields ?? []) {
    if (!f.manager || (f.subresource !== undefined && f.subresource !== "")) continue;
    const t = f.time === undefined ? 0 : new Date(f.time).getTime();
    managers[f.manager] = Math.max(managers[f.manager] ?? 0, Number.isNaN(t) ? 0 : t);
  }
  return { uid: m.uid, kind: o.kind ?? kind, namespace: m.namespace, name: m.name, labels: m.labels ?? {}, controlled: (m.ownerReferences ?? []).some((r) => r.controller === true), managers };
}

export function isFederationNamespace(o: ObjectView, region: string): boolean {
  return o.kind === "Namespace" && o.labels[CONSORTIUM_LABEL] === "dsc" && o.labels[REGION_LABEL] === region;
}

export function isJudged(o: ObjectView, region: string, federationNamespaces: ReadonlySet<string>): boolean {
  if (o.controlled) return false;
  const labelled = o.labels[CONSORTIUM_LABEL] === "dsc" && o.labels[REGION_LABEL] === region;
  return labelled || (o.namespace !== undefined && federationNamespaces.has(o.namespace));
}

export function objectName(o: ObjectView): string {
  return `${o.kind} ${o.namespace ? `${o.namespace}/` : ""}${o.name}`;
}

export interface DriftSettings {
  readonly region: string;
  readonly engineManager: string;
  readonly systemManagers: readonly string[];
}

/** A change the engine made (or a deletion): fine if an approval covers `at`, a breach otherwise. */
export interface NeedsApproval {
  readonly key: string;
  readonly object: string;
  readonly what: string;
  /** When the change happened (ms), or the interval it happened in when not known exactly (seen at start). */
  readonly at: number | { from: number; to: number };
}

export type DriftVerdict = { kind: "ignored" } | { kind: "breach"; breach: Breach } | { kind: "needs-approval"; change: NeedsApproval } | { kind: "unchanged" };

const isEngine = (manager: string, s: DriftSettings) => manager.startsWith(s.engineManager);

/**
 * Judges an object's new state against the last one the watcher knew (`previous`, undefined for an object it
 * never saw). `seenAt`: when the watcher saw it.
 */
export function judgeChange(previous: ObjectView | undefined, current: ObjectView, seenAt: number, s: DriftSettings, federationNamespaces: ReadonlySet<string>): DriftVerdict {
  if (!isJudged(current, s.region, federationNamespaces)) return { kind: "ignored" };
  const name = objectName(current);
  const changed = Object.entries(current.managers).filter(([manager, t]) => previous === undefined || t > (previous.managers[manager] ?? -1));
  const foreign = changed.filter(([manager]) => !isEngine(manager, s) && !s.systemManagers.includes(manager));
  if (foreign.length > 0) {
    const who = foreign.map(([manager]) => manager).join(", ");
    const what = previous === undefined ? `added by field manager ${who}, not the engine` : `changed by field manager ${who}, not the engine`;
    return { kind: "breach", breach: { detector: "drift", object: name, what, key: `drift:${current.uid}:${foreign.map(([m, t]) => `${m}@${t}`).join(",")}` } };
  }
  const engine = changed.filter(([manager]) => isEngine(manager, s));
  if (engine.length === 0) return previous === undefined && Object.keys(current.managers).length === 0 ? unmanagedAddition(current, name) : { kind: "unchanged" };
  const at = Math.max(...engine.map(([, t]) => t));
  const what = previous === undefined ? "added by the engine" : "changed by the engine";
  return { kind: "needs-approval", change: { key: `drift:${current.uid}:engine@${at}`, object: name, what, at: Math.min(at, seenAt) } };
}

/** An object with no field manager at all was not created through any API client we know: judge it as foreign. */
function unmanagedAddition(current: ObjectView, name: string): DriftVerdict {
  return { kind: "breach", breach: { detector: "drift", object: name, what: "added without any field manager", key: `drift:${current.uid}:unmanaged` } };
}

/** A federation object is gone: deleted at `at` (an exact time, or an interval when it vanished while the watcher was down). */
export function judgeDeletion(previous: ObjectView, at: number | { from: number; to: number }, s: DriftSettings, federationNamespaces: ReadonlySet<string>): DriftVerdict {
  if (!isJudged(previous, s.region, federationNamespaces) && !isFederationNamespace(previous, s.region)) return { kind: "ignored" };
  return { kind: "needs-approval", change: { key: `drift:${previous.uid}:deleted`, object: objectName(previous), what: "deleted", at } };
}

/** Start times (ms) of recorded approvals for this region. */
export type ApprovalWindows = readonly number[];

/** Clock skew tolerated between the chain's block times and the API server's managedFields times. */
export const CLOCK_SKEW_MS = 5000;

export function explainedBy(at: number | { from: number; to: number }, approvals: ApprovalWindows, windowMs: number): boolean {
  const from = typeof at === "number" ? at : at.from;
  const to = typeof at === "number" ? at : at.to;
  return approvals.some((start) => start - CLOCK_SKEW_MS <= to && from <= start + windowMs);
}

export function unexplainedBreach(change: NeedsApproval): Breach {
  return { detector: "drift", object: change.object, what: `${change.what} outside the window of any recorded approval for this region`, key: change.key };
}
