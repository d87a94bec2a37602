/**
 * The local clusters (interface I3): one real API-server cluster per region, without kubelets (kwok plays
 * them), under `<root>/<region>/`. `npm run kube -- up|down|status` (cli.ts) and tests use this module.
 */
import * as path from "node:path";
import { ClusterInfo, ClusterStatus, Toolchain, clusterStatus, projectToolchain, startCluster, stopCluster } from "./cluster";
import { Component } from "./layout";

export type { ClusterInfo, ClusterStatus } from "./cluster";

export const PROJECT_ROOT = path.resolve(__dirname, "..", "..");
/** `npm run kube` keeps the clusters here; `dsc:localKubeconfigDir` points the local stack at it. */
export const DEFAULT_KUBE_ROOT = path.join(PROJECT_ROOT, ".state", "kube");

export interface LocalClustersOptions {
  /** Absolute folder holding one subfolder per region. */
  root: string;
  regions: readonly string[];
  /** Defaults to this checkout's .toolchain. */
  toolchain?: Toolchain;
}

/**
 * Starts (or keeps) every region's cluster, all at once, and resolves when each is ready: API server ready,
 * controller-manager and scheduler healthy, its kwok node Ready. Fails naming each region that did not start
 * (the others are left running; `stopLocalClusters` stops them).
 */
export async function startLocalClusters(opts: LocalClustersOptions): Promise<Record<string, ClusterInfo>> {
  const toolchain = opts.toolchain ?? projectToolchain(PROJECT_ROOT);
  const results = await Promise.allSettled(opts.regions.map((r) => startCluster(opts.root, r, toolchain)));
  const failures = results.flatMap((res, i) => (res.status === "rejected" ? [`${opts.regions[i]}: ${(res.reason as Error).message}`] : []));
  if (failures.length > 0) {
    throw new Error(`local clusters did not start:\n${failures.join("\n")}`);
  }
  return Object.fromEntries(results.map((res, i) => [opts.regions[i], (res as PromiseFulfilledResult<ClusterInfo>).value]));
}

export async function stopLocalClusters(opts: Omit<LocalClustersOptions, "toolchain">): Promise<Record<string, { stopped: Component[]; killed: Component[] }>> {
  const results = await Promise.all(opts.regions.map((r) => stopCluster(opts.root, r)));
  return Object.fromEntries(results.map((res, i) => [opts.regions[i], res]));
}

export async function localClustersStatus(opts: Omit<LocalClustersOptions, "toolchain">): Promise<ClusterStatus[]> {
  return Promise.all(opts.regions.map((r) => clusterStatus(opts.root, r)));
}
