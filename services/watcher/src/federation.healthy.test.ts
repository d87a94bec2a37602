/**
 * No false pause: a healthy federation with every detector on (a real local cluster, three real replication nodes,
 * the consortium on a loopback chain) under steady writes, through several gated applies, a critical Safe
 * transaction and a DSP rotation by the Board. Time is compressed by configuration: polls every 100 ms instead
 * of 2 s, a 1 s divergence bound instead of 60 s and a 30 s approval window instead of 15 min (kubectl under load
 * can take 10 s between the gate's record and its apply). 40 s here hold 60 to 400 polls, depending on the
 * machine's load: 2 to 13 minutes of a default watcher's polls.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KEYS } from "../../../contracts/test/fixture";
import { startLocalClusters, stopLocalClusters } from "../../../scripts/kube";
import { Cluster } from "../../replication/src/testing/cluster";
import { startTestChain, until, type TestChain } from "./testing/chain";
import { WatcherProcess, chainEnv, engineApply, recordApproval } from "./testing/federation";

const RUN_MS = 40_000;
let root: string;
let kubeconfig: string;
let chain: TestChain;
let nodes: Cluster;
let watcher: WatcherProcess;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "dsc-watcher-healthy-"));
  // One after the other: on a loaded 2-core machine, starting both at once can starve a node's start-up.
  kubeconfig = (await startLocalClusters({ root, regions: ["alpha"] })).alpha.kubeconfig;
  nodes = new Cluster();
  await nodes.start();
  chain = await startTestChain();
  engineApply(kubeconfig, 1);
  const keyFile = join(root, "agent.key");
  writeFileSync(keyFile, KEYS.agents[0]);
  const tokenFile = join(root, "replication.token");
  writeFileSync(tokenFile, await nodes.security.token("status"));
  const n = nodes.nodes;
  watcher = new WatcherProcess(["--region", "alpha", "--listen", "127.0.0.1:0", "--kubeconfig", kubeconfig], {
    ...chainEnv(chain, keyFile, join(root, "watcher-state")),
    DSC_REPLICATION_URL: `http://127.0.0.1:${n.alpha.apiPort}`,
    DSC_PEER_REPLICATION_URLS: `beta=http://127.0.0.1:${n.beta.apiPort},gamma=http://127.0.0.1:${n.gamma.apiPort}`,
    DSC_REPLICATION_TOKEN_FILE: tokenFile,
    DSC_POLL_INTERVAL: "100ms",
    DSC_DIVERGENCE_BOUND: "1s",
    DSC_APPROVAL_WINDOW: "30s",
  });
  await watcher.start();
  await until("ready", async () => ((await watcher.status()).ready ? true : undefined), 30_000);
}, 240_000);

afterAll(async () => {
  await watcher?.stop();
  await nodes?.destroy();
  await chain?.close();
  if (root) {
    await stopLocalClusters({ root, regions: ["alpha"] });
    rmSync(root, { recursive: true, force: true });
  }
}, 60_000);

test("steady writes, gated applies, a critical transaction and a DSP rotation: every detector runs, none pauses", async () => {
  const n = nodes.nodes;
  const deadline = Date.now() + RUN_MS;
  let writes = 0;
  const writers = (["alpha", "beta", "gamma"] as const).map(async (region) => {
    for (let i = 0; Date.now() < deadline; i++) {
      const r = await n[region].put("orders", `${region}-${i % 200}`, { i, at: Date.now() });
      if (r.status === 200) writes++;
      await new Promise((resolve) => setTimeout(resolve, 15));
    }
  });
  const governance = (async () => {
    for (let replicas = 2; Date.now() < deadline - 4000; replicas++) {
      await recordApproval(chain);
      engineApply(kubeconfig, replicas);
      if (replicas === 3) await chain.safeCall("changeThreshold", [4]);
      if (replicas === 4) await chain.rotateBeta();
      await new Promise((resolve) => setTimeout(resolve, 3500));
    }
  })();
  await Promise.all([...writers, governance]);
  await nodes.converged(undefined, 30_000);
  // Generous: with the rest of the suite on the other core, a status poll can miss its deadline for a while.
  let lastPeers: unknown;
  const peersInSync = async () => {
    const peers = (await watcher.status()).detectors.replication.detail.peers as Array<{ state: string }>;
    lastPeers = peers;
    return peers.every((p) => p.state === "in-sync");
  };
  await until("both peers in sync", async () => ((await peersInSync()) ? true : undefined), 90_000).catch((error: Error) => {
    throw new Error(`${error.message}; last seen: ${JSON.stringify(lastPeers)}`);
  });

  const s = await watcher.status();
  expect(await chain.pausedEvents()).toEqual([]);
  expect(s.guardian.state).toBe("idle");
  expect(writes).toBeGreaterThan(300);
  expect(s.detectors.drift.state).toBe("watching");
  expect(s.detectors.drift.detail.explained).toBeGreaterThanOrEqual(4);
  expect(s.detectors.drift.detail.pending).toEqual([]);
  expect(s.detectors.consortium.detail.acceptedChanges).toBeGreaterThanOrEqual(6); // threshold + the rotation's five steps
  const metrics = await watcher.metrics();
  const checks = (d: string) => Number(new RegExp(`dsc_watcher_checks_total\\{detector="${d}"\\} (\\d+)`).exec(metrics)?.[1] ?? 0);
  expect(checks("replication")).toBeGreaterThan(60);
  expect(checks("consortium")).toBeGreaterThan(60);
  expect(metrics).not.toMatch(/dsc_watcher_breaches_total\{detector="\w+"\} [1-9]/);
}, 210_000);
