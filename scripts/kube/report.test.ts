import { ClusterInfo, ClusterStatus } from "./cluster";
import { COMPONENTS } from "./layout";
import { formatStarted, formatStatus, formatStopped } from "./report";

const MiB = 1024 * 1024;
const info = (region: string, reused: ClusterInfo["reused"], notes: string[] = []): ClusterInfo => ({
  region,
  server: `https://127.0.0.1:4000${region.length}`,
  kubeconfig: `/k/${region}/kubeconfig`,
  context: `dsc-local-${region}`,
  reused,
  notes,
});

describe("what npm run kube prints", () => {
  it("up: each cluster's address, whether it was kept, notes, and the kubectl line that reaches it", () => {
    const text = formatStarted([info("alpha", [...COMPONENTS]), info("beta", ["etcd"], ["kwok: stale pid file (pid 9 is not running); started anew"]), info("gamma", [])], "/tc/kubectl", 7.25);
    expect(text).toContain("local clusters ready in 7.3 s:");
    expect(text).toContain("alpha: https://127.0.0.1:40005 (already running, kept)");
    expect(text).toContain("beta: https://127.0.0.1:40004 (kept etcd; started the rest)");
    expect(text).toContain("    note: kwok: stale pid file (pid 9 is not running); started anew");
    expect(text).toContain("gamma: https://127.0.0.1:40005 (started)");
    expect(text).toContain("kubectl: /tc/kubectl --kubeconfig /k/gamma/kubeconfig get pods -A");
    expect(text).toContain("export KUBECONFIG=/k/alpha/kubeconfig");
    expect(text).toContain("the local stack applies to them with:\n  dsc:localKubeconfigDir: /k");
  });

  it("status: every component's state and memory, per cluster and together", () => {
    const running: ClusterStatus = {
      region: "alpha",
      exists: true,
      server: "https://127.0.0.1:40001",
      kubeconfig: "/k/alpha/kubeconfig",
      context: "dsc-local-alpha",
      components: {
        etcd: { kind: "running", pid: 10 },
        "kube-apiserver": { kind: "running", pid: 11 },
        "kube-controller-manager": { kind: "stopped" },
        "kube-scheduler": { kind: "stale", pid: 12, reason: "pid 12 is not running" },
        kwok: { kind: "stopped" },
      },
      memory: { etcd: { rss: 40 * MiB, pss: 20 * MiB }, "kube-apiserver": { rss: 200 * MiB, pss: 150 * MiB } },
      apiReady: true,
    };
    const absent: ClusterStatus = { ...running, region: "beta", exists: false, server: undefined, components: running.components, memory: {}, apiReady: false };
    const text = formatStatus([running, absent]);
    expect(text).toContain("alpha: https://127.0.0.1:40001 — API ready; kubeconfig /k/alpha/kubeconfig (context dsc-local-alpha)");
    expect(text).toContain("  etcd: running (pid 10), RSS 40 MiB (PSS 20 MiB)");
    expect(text).toContain("  kube-scheduler: stale pid file: pid 12 is not running");
    expect(text).toContain("  kube-controller-manager: stopped\n");
    expect(text).toContain("  together: RSS 240 MiB, PSS 170 MiB");
    expect(text).toContain("beta: not created yet (npm run kube -- up)");
    expect(text).toContain("all clusters: RSS 240 MiB, PSS 170 MiB");
  });

  it("down: what was stopped, what had to be killed, and that the objects stay", () => {
    const text = formatStopped({ alpha: { stopped: ["kwok", "etcd"], killed: ["etcd"] }, beta: { stopped: [], killed: [] } });
    expect(text).toBe("alpha: stopped kwok, etcd; killed after the grace period: etcd (objects kept; up starts it again)\nbeta: nothing was running");
  });
});
