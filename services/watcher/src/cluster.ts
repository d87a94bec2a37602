/**
 * The drift edge: lists and watches (Kubernetes watch API, through client-node informers) the kinds of object
 * the watcher's read-only ClusterRole covers, and judges each change with the drift rule. The objects seen are
 * kept as a baseline in the state file, so a restart judges what changed while the watcher was down: new or moved
 * field-manager entries, objects added, objects gone. On its very first start it adopts what it finds.
 */
import * as k8s from "@kubernetes/client-node";
import type { Logger } from "pino";
import type { Breach } from "./breach";
import type { WatcherMetrics } from "./metrics";
import { DriftSettings, DriftVerdict, NeedsApproval, ObjectView, RawObject, explainedBy, isFederationNamespace, isJudged, judgeChange, judgeDeletion, unexplainedBreach, viewOf } from "./rules/drift";
import type { StateStore } from "./store";

/** What is watched: every kind the ClusterRole reads (components/guardian/spec.ts, watcherRbacRules). */
export const WATCHED_KINDS: ReadonlyArray<{ apiVersion: string; kind: string; path: string }> = [
  { apiVersion: "v1", kind: "Namespace", path: "/api/v1/namespaces" },
  { apiVersion: "v1", kind: "Pod", path: "/api/v1/pods" },
  { apiVersion: "v1", kind: "Service", path: "/api/v1/services" },
  { apiVersion: "v1", kind: "ConfigMap", path: "/api/v1/configmaps" },
  { apiVersion: "v1", kind: "ServiceAccount", path: "/api/v1/serviceaccounts" },
  { apiVersion: "v1", kind: "PersistentVolumeClaim", path: "/api/v1/persistentvolumeclaims" },
  { apiVersion: "apps/v1", kind: "Deployment", path: "/apis/apps/v1/deployments" },
  { apiVersion: "apps/v1", kind: "StatefulSet", path: "/apis/apps/v1/statefulsets" },
  { apiVersion: "apps/v1", kind: "DaemonSet", path: "/apis/apps/v1/daemonsets" },
  { apiVersion: "apps/v1", kind: "ReplicaSet", path: "/apis/apps/v1/replicasets" },
  { apiVersion: "batch/v1", kind: "Job", path: "/apis/batch/v1/jobs" },
  { apiVersion: "batch/v1", kind: "CronJob", path: "/apis/batch/v1/cronjobs" },
  { apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", path: "/apis/networking.k8s.io/v1/networkpolicies" },
  { apiVersion: "policy/v1", kind: "PodDisruptionBudget", path: "/apis/policy/v1/poddisruptionbudgets" },
  { apiVersion: "rbac.authorization.k8s.io/v1", kind: "Role", path: "/apis/rbac.authorization.k8s.io/v1/roles" },
  { apiVersion: "rbac.authorization.k8s.io/v1", kind: "RoleBinding", path: "/apis/rbac.authorization.k8s.io/v1/rolebindings" },
  { apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRole", path: "/apis/rbac.authorization.k8s.io/v1/clusterroles" },
  { apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRoleBinding", path: "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings" },
];

const RESTART_DELAY_MS = 2000;

export interface ClusterStatus {
  synced: boolean;
  objects: number;
  federationNamespaces: string[];
  pending: Array<{ object: string; what: string; seenAt: string }>;
  explained: number;
  lastError?: string;
}

export function loadKubeConfig(kubeconfig: string | undefined): k8s.KubeConfig {
  const kc = new k8s.KubeConfig();
  if (kubeconfig) kc.loadFromFile(kubeconfig);
  else kc.loadFromCluster();
  return kc;
}

export class ClusterWatcher {
  readonly status: ClusterStatus = { synced: false, objects: 0, federationNamespaces: [], pending: [], explained: 0 };
  private readonly known = new Map<string, ObjectView>();
  private readonly namespaces = new Set<string>();
  private readonly informers: Array<k8s.Informer<k8s.KubernetesObject>> = [];
  private pending: Array<{ change: NeedsApproval; seenAt: number }> = [];
  private approvals: readonly number[] = [];
  private dirty = false;
  private stopped = false;
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly kc: k8s.KubeConfig,
    private readonly settings: DriftSettings,
    private readonly approvalWindowMs: number,
    private readonly store: StateStore,
    private readonly logger: Logger,
    private readonly metrics: WatcherMetrics,
    private readonly breach: (b: Breach) => void,
  ) {}

  /** Lists every watched kind, judges it against the stored baseline, then watches. */
  async start(): Promise<void> {
    const api = k8s.KubernetesObjectApi.makeApiClient(this.kc);
    const listers = WATCHED_KINDS.map((w) => ({ ...w, list: () => api.list(w.apiVersion, w.kind) }));
    const listed = await Promise.all(listers.map(async (l) => ({ kind: l.kind, items: (await l.list()).items as RawObject[] })));
    const now = Date.now();
    const current = listed.flatMap((l) => l.items.map((o) => viewOf(l.kind, o)).filter((v): v is ObjectView => v !== undefined));
    for (const v of current) if (isFederationNamespace(v, this.settings.region)) this.namespaces.add(v.name);
    const baseline = this.store.get().cluster;
    if (baseline === undefined) {
      this.logger.info({ objects: current.length }, "no cluster baseline: adopting the cluster as found");
    } else {
      const before = baseline.objects as Record<string, ObjectView>;
      for (const v of current) this.handle(judgeChange(before[v.uid], v, now, this.settings, this.namespaces), now);
      const present = new Set(current.map((v) => v.uid));
      for (const [uid, v] of Object.entries(before)) {
        if (!present.has(uid)) this.handle(judgeDeletion(v, { from: baseline.savedAt, to: now }, this.settings, this.namespaces), now);
      }
    }
    for (const v of current) this.known.set(v.uid, v);
    this.dirty = true;
    this.saveBaseline();
    for (const l of listers) this.watch(l.kind, l.path, l.list);
    this.status.synced = true;
  }

  private watch(kind: string, path: string, list: () => Promise<k8s.KubernetesListObject<k8s.KubernetesObject>>): void {
    const informer = k8s.makeInformer(this.kc, path, list);
    const seen = (o: k8s.KubernetesObject) => {
      const v = viewOf(kind, o as RawObject);
      if (!v) return;
      const now = Date.now();
      if (isFederationNamespace(v, this.settings.region)) this.namespaces.add(v.name);
      this.handle(judgeChange(this.known.get(v.uid), v, now, this.settings, this.namespaces), now);
      this.known.set(v.uid, v);
      this.dirty = true;
    };
    informer.on("add", seen);
    informer.on("update", seen);
    informer.on("delete", (o) => {
      const v = viewOf(kind, o as RawObject);
      if (!v) return;
      const now = Date.now();
      this.handle(judgeDeletion(this.known.get(v.uid) ?? v, now, this.settings, this.namespaces), now);
      this.known.delete(v.uid);
      if (v.kind === "Namespace") this.namespaces.delete(v.name);
      this.dirty = true;
    });
    informer.on("error", (error: unknown) => {
      this.metrics.apiErrors.inc({ api: "kubernetes" });
      this.status.lastError = `${kind}: ${String((error as Error)?.message ?? error).slice(0, 200)}`;
      this.logger.warn({ kind, err: this.status.lastError }, "watch failed; restarting it");
      if (this.stopped) return;
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        if (!this.stopped) informer.start().catch(() => undefined);
      }, RESTART_DELAY_MS);
      this.timers.add(timer);
    });
    this.informers.push(informer);
    informer.start().catch((error: Error) => this.logger.warn({ kind, err: error.message }, "watch did not start; retrying"));
  }

  private handle(verdict: DriftVerdict, seenAt: number): void {
    this.metrics.checks.inc({ detector: "drift" });
    if (verdict.kind === "breach") this.breach(verdict.breach);
    else if (verdict.kind === "needs-approval") {
      if (!this.pending.some((p) => p.change.key === verdict.change.key)) this.pending.push({ change: verdict.change, seenAt });
      this.publishPending();
    }
  }

  /**
   * The chain edge read every approval recorded up to a poll that began at `readAt`: a pending change seen before
   * then is now judged; a later one waits for the next poll (its approval may be in a block not read yet).
   */
  approvalsRead(times: readonly number[], readAt: number): void {
    this.approvals = times;
    const ready = this.pending.filter((p) => p.seenAt < readAt);
    this.pending = this.pending.filter((p) => p.seenAt >= readAt);
    for (const p of ready) {
      if (explainedBy(p.change.at, this.approvals, this.approvalWindowMs)) {
        this.status.explained++;
        this.logger.info({ object: p.change.object, what: p.change.what }, "cluster change explained by a recorded approval");
      } else this.breach(unexplainedBreach(p.change));
    }
    this.publishPending();
    this.saveBaseline();
  }

  private publishPending(): void {
    this.status.pending = this.pending.map((p) => ({ object: p.change.object, what: p.change.what, seenAt: new Date(p.seenAt).toISOString() }));
    this.status.objects = this.known.size;
    this.status.federationNamespaces = [...this.namespaces].sort();
    this.metrics.pendingDrift.set(this.pending.length);
  }

  private saveBaseline(): void {
    if (!this.dirty) return;
    this.dirty = false;
    // Only what the rule judges: the rest of the cluster (kube-system, other tenants) is never compared.
    const kept = [...this.known].filter(([, v]) => isFederationNamespace(v, this.settings.region) || isJudged(v, this.settings.region, this.namespaces));
    const objects = Object.fromEntries(kept);
    this.store.update((s) => (s.cluster = { savedAt: Date.now(), objects }));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    await Promise.all(this.informers.map((i) => i.stop().catch(() => undefined)));
    this.saveBaseline();
  }
}
