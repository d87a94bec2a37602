/**
 * Two local clusters on real API servers (the toolchain's binaries), in a temporary root: idempotent start,
 * admission, isolation, a restart that keeps objects, stale pid files and a busy port. One start for the file.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { ApiEndpoint, apiRequest } from "./api";
import { adminEndpoint } from "./cluster";
import { ClusterInfo, localClustersStatus, PROJECT_ROOT, startLocalClusters, stopLocalClusters } from "./index";
import { COMPONENTS, clusterLayout } from "./layout";
import { readPortPlan } from "./ports";
import { processArgv, processState } from "./process";
import { formatStatus } from "./report";

const REGIONS = ["alpha", "beta"];
const KUBECTL = path.join(PROJECT_ROOT, ".toolchain", "bin", "kubectl");

describe("local clusters on real API servers", () => {
  let root: string;
  let clusters: Record<string, ClusterInfo>;
  const api = (region: string): ApiEndpoint => adminEndpoint(clusterLayout(root, region), clusters[region].server);
  const json = { contentType: "application/json" };
  const post = (region: string, p: string, obj: unknown) => apiRequest(api(region), "POST", p, { ...json, text: JSON.stringify(obj) });

  beforeAll(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), "dsc-kube-"));
    clusters = await startLocalClusters({ root, regions: REGIONS });
  }, 180_000);

  afterAll(async () => {
    if (root === undefined) return;
    await stopLocalClusters({ root, regions: REGIONS });
    fs.rmSync(root, { recursive: true, force: true });
  }, 60_000);

  it("starts each region on its own loopback address with its kubeconfig where I3 says", () => {
    for (const region of REGIONS) {
      expect(clusters[region].server).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      expect(clusters[region].kubeconfig).toBe(path.join(root, region, "kubeconfig"));
    }
    expect(clusters.alpha.server).not.toBe(clusters.beta.server);
  });

  it("a second start keeps every running process", async () => {
    const pids = COMPONENTS.map((c) => processState(clusterLayout(root, "alpha"), c));
    const again = await startLocalClusters({ root, regions: ["alpha"] });
    expect(again.alpha.reused).toEqual([...COMPONENTS]);
    expect(COMPONENTS.map((c) => processState(clusterLayout(root, "alpha"), c))).toEqual(pids);
  }, 60_000);

  it("kubectl with the region's kubeconfig reaches its cluster and sees its kwok node Ready", () => {
    const out = spawnSync(KUBECTL, ["--kubeconfig", clusters.alpha.kubeconfig, "get", "nodes", "--no-headers"], { encoding: "utf8", timeout: 20_000 });
    expect(out.stderr).toBe("");
    expect(out.stdout).toMatch(/^kwok-alpha-0\s+Ready\s/);
  });

  it("refuses a Pod that breaks restricted, a federation namespace that relaxes it, and a workload template that breaks it", async () => {
    const federation = { "dsc.federation/consortium": "dsc" };
    const pod = await post("alpha", "/api/v1/namespaces/default/pods", {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "root-pod" },
      spec: { containers: [{ name: "c", image: "busybox" }] },
    });
    expect(pod.status).toBe(403);
    expect(pod.body).toContain('violates PodSecurity \\"restricted:latest\\"');

    const relaxed = await post("alpha", "/api/v1/namespaces", {
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name: "relaxed", labels: { ...federation, "pod-security.kubernetes.io/enforce": "privileged" } },
    });
    expect(relaxed.status).toBe(403);
    expect(relaxed.body).toContain("a federation namespace enforces Pod Security");

    expect((await post("alpha", "/api/v1/namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name: "fed-a", labels: federation } })).status).toBe(201);
    const deployment = await post("alpha", "/apis/apps/v1/namespaces/fed-a/deployments", {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "root" },
      spec: {
        selector: { matchLabels: { app: "root" } },
        template: {
          metadata: { labels: { app: "root" } },
          spec: { securityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } }, containers: [{ name: "c", image: "busybox" }] },
        },
      },
    });
    expect(deployment.status).toBe(403);
    expect(deployment.body).toContain("allowPrivilegeEscalation: set securityContext.allowPrivilegeEscalation=false");
  });

  it("alpha's credentials can neither read nor write beta's cluster", async () => {
    const alphaOnBeta: ApiEndpoint = { ...api("alpha"), server: clusters.beta.server };
    // alpha's CA does not vouch for beta's API server ...
    await expect(apiRequest(alphaOnBeta, "GET", "/api/v1/namespaces")).rejects.toThrow(/self.signed|unable to verify|certificate/i);
    // ... and trusting beta's server anyway, beta does not accept alpha's client certificate.
    const trusting: ApiEndpoint = { ...alphaOnBeta, caPem: api("beta").caPem };
    expect((await apiRequest(trusting, "GET", "/api/v1/namespaces")).status).toBe(401);
    const write = await apiRequest(trusting, "POST", "/api/v1/namespaces", { ...json, text: JSON.stringify({ apiVersion: "v1", kind: "Namespace", metadata: { name: "from-alpha" } }) });
    expect(write.status).toBe(401);
    const kubectl = spawnSync(KUBECTL, ["--kubeconfig", clusters.alpha.kubeconfig, "--server", clusters.beta.server, "get", "ns"], { encoding: "utf8", timeout: 20_000 });
    expect(kubectl.status).not.toBe(0);
    expect(kubectl.stderr).toMatch(/certificate signed by unknown authority/);
  });

  it("a restart keeps the objects; stale pid files are said, a busy port is named", async () => {
    const beta = clusterLayout(root, "beta");
    const cm = await post("beta", "/api/v1/namespaces/default/configmaps", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "kept" }, data: { k: "v" } });
    expect(cm.status).toBe(201);
    const before = COMPONENTS.map((c) => processState(beta, c));
    const stopped = await stopLocalClusters({ root, regions: ["beta"] });
    expect(stopped.beta.stopped).toEqual([...COMPONENTS].reverse());
    for (const state of before) if (state.kind === "running") expect(processArgv(state.pid)).toBeUndefined();

    // A pid that is gone, and one that is alive but another program (this test's own process).
    const gone = spawnSync("true").pid;
    fs.writeFileSync(beta.pidFile("etcd"), `${gone}\n`);
    fs.writeFileSync(beta.pidFile("kwok"), `${process.pid}\n`);
    const busy = net.createServer();
    const schedulerPort = readPortPlan(beta.portsFile).scheduler;
    await new Promise<void>((resolve) => busy.listen(schedulerPort, "127.0.0.1", resolve));
    try {
      await expect(startLocalClusters({ root, regions: ["beta"] })).rejects.toThrow(
        new RegExp(`beta: cannot start kube-scheduler: port 127\\.0\\.0\\.1:${schedulerPort} \\(scheduler, from ${beta.portsFile}\\) is in use`),
      );
    } finally {
      await new Promise((resolve) => busy.close(resolve));
    }
    expect(processState(beta, "kwok")).toEqual({ kind: "stale", pid: process.pid, reason: `pid ${process.pid} is now another program (node)` });

    const restarted = await startLocalClusters({ root, regions: ["beta"] });
    expect(restarted.beta.notes).toEqual([`kwok: stale pid file (pid ${process.pid} is now another program (node)); started anew`]);
    expect(restarted.beta.reused).toEqual(["etcd", "kube-apiserver", "kube-controller-manager"]);
    const kept = await apiRequest(api("beta"), "GET", "/api/v1/namespaces/default/configmaps/kept");
    expect(kept.status).toBe(200);
    expect(JSON.parse(kept.body).data).toEqual({ k: "v" });
  }, 120_000);

  it("status says where each cluster is, that it answers, and what it costs in memory", async () => {
    const statuses = await localClustersStatus({ root, regions: REGIONS });
    for (const s of statuses) {
      expect(s.apiReady).toBe(true);
      expect(s.server).toBe(clusters[s.region].server);
      expect(Object.keys(s.memory).sort()).toEqual([...COMPONENTS].sort());
      for (const m of Object.values(s.memory)) expect(m.pss).toBeLessThanOrEqual(m.rss);
    }
    const text = formatStatus(statuses);
    expect(text).toContain(`alpha: ${clusters.alpha.server} — API ready; kubeconfig ${clusters.alpha.kubeconfig}`);
    expect(text).toMatch(/all clusters: RSS \d+ MiB, PSS \d+ MiB/);
  });
});
