/**
 * The replication detector against three real replication node processes (authentication and peer TLS on) and the
 * consortium on a loopback chain: a healthy federation under steady writes and a dead peer never pause; a node
 * whose store was tampered with (same updates, different content) does.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { Cluster } from "../../replication/src/testing/cluster";
import { startTestChain, until, type TestChain } from "./testing/chain";
import type { RunningWatcher } from "./watcher";

let cluster: Cluster;
let chain: TestChain;
let watcher: RunningWatcher;

beforeAll(async () => {
  cluster = new Cluster();
  await cluster.start();
  chain = await startTestChain();
  const tokenFile = join(chain.root, "replication.token");
  writeFileSync(tokenFile, await cluster.security.token("status"));
  const n = cluster.nodes;
  ({ watcher } = await chain.watcher("alpha", {
    detectors: "replication",
    replicationUrl: `http://127.0.0.1:${n.alpha.apiPort}`,
    peerReplication: [`beta=http://127.0.0.1:${n.beta.apiPort}`, `gamma=http://127.0.0.1:${n.gamma.apiPort}`],
    replicationTokenFile: tokenFile,
    pollInterval: "200ms",
    divergenceBound: "2s",
  }));
}, 120_000);

afterAll(async () => {
  await watcher?.stop();
  await cluster?.destroy();
  await chain?.close();
});

const peers = () => (watcher.status().detectors.replication.detail as { peers: Array<{ name: string; state: string; detail?: string }> }).peers;
const paused = async () => (await chain.f.contract("Guardian").paused()) as boolean;

test("a healthy federation under steady writes in every region is never paused", async () => {
  const n = cluster.nodes;
  const deadline = Date.now() + 8000;
  let written = 0;
  const seen = new Set<string>();
  while (Date.now() < deadline) {
    await Promise.all([n.alpha.put("orders", `a-${written}`, { n: written }), n.beta.put("orders", `b-${written}`, { n: written }), n.gamma.put("orders", `g-${written}`, { n: written })]);
    written++;
    for (const p of peers()) seen.add(p.state);
    await new Promise((r) => setTimeout(r, 20));
  }
  await cluster.converged();
  await until("both peers in sync", () => (peers().every((p) => p.state === "in-sync") ? true : undefined));
  expect(written).toBeGreaterThan(50);
  // Never diverged; on a loaded machine a status request can time out, which is reported, not paused for.
  expect(seen.has("diverged")).toBe(false);
  expect(seen.has("in-sync") || seen.has("lagging")).toBe(true);
  expect(await paused()).toBe(false);
  expect(watcher.status().guardian.state).toBe("idle");
  expect(await watcher.metrics.registry.metrics()).toMatch(/dsc_watcher_checks_total\{detector="replication"\} [1-9]\d+/);
}, 60_000);

test("a peer that goes down is reported unreachable, never paused for", async () => {
  await cluster.nodes.gamma.stop();
  await until("gamma reported unreachable", () => (peers().find((p) => p.name === "gamma")?.state === "unreachable" ? true : undefined));
  await new Promise((r) => setTimeout(r, 2500)); // longer than the divergence bound
  expect(await paused()).toBe(false);
  expect(peers().find((p) => p.name === "beta")?.state).toBe("in-sync");
  expect(await watcher.metrics.registry.metrics()).toMatch(/dsc_watcher_replication_peer_state\{peer="gamma",state="unreachable"\} 1/);
  await cluster.nodes.gamma.start();
  await until("gamma back in sync", () => (peers().find((p) => p.name === "gamma")?.state === "in-sync" ? true : undefined), 20_000);
}, 60_000);

test("beta's store tampered with (equal state vectors, different digests) pauses the federation once the bound has passed", async () => {
  const beta = cluster.nodes.beta;
  await beta.put("ledger", "balance", { owner: "tamper-AAAA" });
  await cluster.converged();
  await beta.stop();
  const db = new Database(join(beta.dataDir, "replication.sqlite"));
  let changed = 0;
  // The node's log (services/replication/src/updateLog.ts): signed envelopes and writers' snapshots.
  for (const table of ["envelopes", "writer_snapshots"]) {
    for (const row of db.prepare(`SELECT rowid AS k, data FROM ${table}`).all() as Array<{ k: number; data: Buffer }>) {
      const at = row.data.indexOf("tamper-AAAA");
      if (at < 0) continue;
      row.data.write("tamper-ZZZZ", at);
      db.prepare(`UPDATE ${table} SET data = ? WHERE rowid = ?`).run(row.data, row.k);
      changed++;
    }
  }
  db.close();
  expect(changed).toBeGreaterThan(0);
  await beta.start();
  expect((await beta.get("ledger", "balance")).body.document).toEqual({ owner: "tamper-ZZZZ" });

  await until("beta reported diverged", () => (peers().find((p) => p.name === "beta")?.state === "diverged" ? true : undefined), 20_000);
  expect(await paused()).toBe(false); // not before the bound
  await until("the pause", async () => ((await paused()) ? true : undefined), 20_000);
  const [event] = await chain.pausedEvents();
  expect(event.reason).toMatch(/^watcher alpha: replication: replication alpha-0 vs beta-0: equal state vectors but different digests \([0-9a-f]{12}… vs [0-9a-f]{12}…\) for [2-9] s$/);
  expect(peers().find((p) => p.name === "gamma")?.state).toBe("in-sync");
}, 90_000);
