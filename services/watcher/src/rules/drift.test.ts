import { CLOCK_SKEW_MS, ObjectView, RawObject, explainedBy, judgeChange, judgeDeletion, unexplainedBreach, viewOf } from "./drift";

const s = { region: "alpha", engineManager: "pulumi-kubernetes", systemManagers: ["kube-controller-manager", "kwok"] };
const fed = { "dsc.federation/consortium": "dsc", "dsc.federation/region": "alpha" };
const namespaces = new Set(["dsc-replication-alpha"]);
const T0 = Date.parse("2026-12-02T06:00:00Z");

function obj(over: Partial<ObjectView> = {}): ObjectView {
  return { uid: "u1", kind: "StatefulSet", namespace: "dsc-replication-alpha", name: "replication", labels: fed, controlled: false, managers: { "pulumi-kubernetes-abc": T0 }, ...over };
}

describe("reading Kubernetes objects", () => {
  test("keeps main-resource managers with their latest time, drops status, reads controller ownership", () => {
    const raw: RawObject = {
      kind: "StatefulSet",
      metadata: {
        uid: "u9",
        name: "replication",
        namespace: "ns",
        labels: fed,
        ownerReferences: [{ controller: false }],
        managedFields: [
          { manager: "pulumi-kubernetes-abc", time: "2026-12-02T06:00:00Z" },
          { manager: "kube-controller-manager", time: "2026-12-02T06:00:05Z", subresource: "status" },
          { manager: "kubectl-edit", time: "2026-12-02T06:01:00Z" },
        ],
      },
    };
    expect(viewOf("StatefulSet", raw)).toEqual({ uid: "u9", kind: "StatefulSet", namespace: "ns", name: "replication", labels: fed, controlled: false, managers: { "pulumi-kubernetes-abc": T0, "kubectl-edit": T0 + 60_000 } });
    expect(viewOf("Pod", { metadata: { uid: "p", name: "x", ownerReferences: [{ controller: true }] } })?.controlled).toBe(true);
    expect(viewOf("Pod", { metadata: { name: "no-uid" } })).toBeUndefined();
  });
});

describe("the drift rule", () => {
  test("kubectl edit of a federation StatefulSet is a breach at once, naming the manager and object", () => {
    const v = judgeChange(obj(), obj({ managers: { "pulumi-kubernetes-abc": T0, "kubectl-edit": T0 + 1000 } }), T0 + 1500, s, namespaces);
    expect(v).toMatchObject({ kind: "breach", breach: { detector: "drift", object: "StatefulSet dsc-replication-alpha/replication", what: "changed by field manager kubectl-edit, not the engine" } });
  });

  test("a foreign manager's entry that did not move is not a new change", () => {
    const edited = obj({ managers: { "pulumi-kubernetes-abc": T0, "kubectl-edit": T0 + 1000 } });
    expect(judgeChange(edited, edited, T0 + 5000, s, namespaces)).toEqual({ kind: "unchanged" });
  });

  test("Kubernetes' own components (status, revision annotations) are not drift", () => {
    expect(judgeChange(obj(), obj({ managers: { "pulumi-kubernetes-abc": T0, "kube-controller-manager": T0 + 9000 } }), T0 + 9000, s, namespaces)).toEqual({ kind: "unchanged" });
  });

  test("a change by the engine needs an approval covering its time", () => {
    const v = judgeChange(obj(), obj({ managers: { "pulumi-kubernetes-abc": T0 + 4000 } }), T0 + 4200, s, namespaces);
    expect(v).toEqual({ kind: "needs-approval", change: { key: `drift:u1:engine@${T0 + 4000}`, object: "StatefulSet dsc-replication-alpha/replication", what: "changed by the engine", at: T0 + 4000 } });
  });

  test("a pod added in a federation namespace by kubectl is a breach, labelled or not", () => {
    const pod = obj({ uid: "p1", kind: "Pod", name: "intruder", labels: {}, managers: { "kubectl-run": T0 } });
    expect(judgeChange(undefined, pod, T0, s, namespaces)).toMatchObject({ kind: "breach", breach: { object: "Pod dsc-replication-alpha/intruder", what: "added by field manager kubectl-run, not the engine" } });
  });

  test("an object added with no field manager at all is a breach", () => {
    expect(judgeChange(undefined, obj({ uid: "c1", kind: "ConfigMap", managers: {} }), T0, s, namespaces)).toMatchObject({ kind: "breach", breach: { what: "added without any field manager" } });
  });

  test("an object added by the engine needs an approval", () => {
    expect(judgeChange(undefined, obj({ uid: "n1" }), T0 + 10, s, namespaces)).toMatchObject({ kind: "needs-approval", change: { what: "added by the engine", at: T0 } });
  });

  test("the engine change time is capped at when the watcher saw it (API server clock ahead)", () => {
    const v = judgeChange(obj(), obj({ managers: { "pulumi-kubernetes-abc": T0 + 60_000 } }), T0 + 1000, s, namespaces);
    expect(v.kind === "needs-approval" && v.change.at).toBe(T0 + 1000);
  });

  test("controller-owned objects, other regions' objects and objects outside federation namespaces are ignored", () => {
    const change = { managers: { "kubectl-edit": T0 } };
    expect(judgeChange(undefined, obj({ ...change, controlled: true }), T0, s, namespaces)).toEqual({ kind: "ignored" });
    expect(judgeChange(undefined, obj({ ...change, namespace: "default", labels: { ...fed, "dsc.federation/region": "beta" } }), T0, s, namespaces)).toEqual({ kind: "ignored" });
    expect(judgeChange(undefined, obj({ ...change, namespace: "default", labels: {} }), T0, s, namespaces)).toEqual({ kind: "ignored" });
  });

  test("a labelled cluster-scoped object (ClusterRole, Namespace) is judged", () => {
    const role = obj({ kind: "ClusterRole", namespace: undefined, name: "dsc-guardian-watcher-alpha", managers: { "pulumi-kubernetes-x": T0, "kubectl-edit": T0 + 1 } });
    expect(judgeChange(obj({ kind: "ClusterRole", namespace: undefined, name: "dsc-guardian-watcher-alpha", managers: { "pulumi-kubernetes-x": T0 } }), role, T0 + 2, s, namespaces)).toMatchObject({ kind: "breach", breach: { object: "ClusterRole dsc-guardian-watcher-alpha" } });
  });

  test("a deleted federation object needs an approval; an ignored one does not", () => {
    expect(judgeDeletion(obj(), T0, s, namespaces)).toEqual({ kind: "needs-approval", change: { key: "drift:u1:deleted", object: "StatefulSet dsc-replication-alpha/replication", what: "deleted", at: T0 } });
    expect(judgeDeletion(obj({ controlled: true }), T0, s, namespaces)).toEqual({ kind: "ignored" });
    const ns = obj({ kind: "Namespace", namespace: undefined, name: "dsc-replication-alpha" });
    expect(judgeDeletion(ns, T0, s, new Set())).toMatchObject({ kind: "needs-approval", change: { object: "Namespace dsc-replication-alpha" } });
  });
});

describe("approval windows", () => {
  const window = 60_000;
  test("a change inside a window after an approval is explained; before it (beyond the skew) or after it is not", () => {
    expect(explainedBy(T0 + 30_000, [T0], window)).toBe(true);
    expect(explainedBy(T0 + window, [T0], window)).toBe(true);
    expect(explainedBy(T0 + window + 1, [T0], window)).toBe(false);
    expect(explainedBy(T0 - CLOCK_SKEW_MS, [T0], window)).toBe(true);
    expect(explainedBy(T0 - CLOCK_SKEW_MS - 1, [T0], window)).toBe(false);
    expect(explainedBy(T0, [], window)).toBe(false);
  });
  test("any of several approvals may explain it", () => {
    expect(explainedBy(T0 + 500_000, [T0, T0 + 450_000], window)).toBe(true);
  });
  test("an interval (a deletion while the watcher was down) is explained when a window overlaps it", () => {
    expect(explainedBy({ from: T0 - 100_000, to: T0 + 10 }, [T0], window)).toBe(true);
    expect(explainedBy({ from: T0 + window + 1, to: T0 + 2 * window }, [T0], window)).toBe(false);
  });
  test("an unexplained change becomes a breach that says why", () => {
    expect(unexplainedBreach({ key: "k", object: "StatefulSet a/b", what: "deleted", at: T0 })).toEqual({ detector: "drift", object: "StatefulSet a/b", what: "deleted outside the window of any recorded approval for this region", key: "k" });
  });
});
