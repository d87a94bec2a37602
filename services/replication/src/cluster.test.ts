/**
 * Three real node processes on 127.0.0.1, peer links through loopback proxies, kill -9 and
 * partitions. Each test leaves the cluster converged and connected for the next one.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { REGIONS } from "./identity";
import { compareVersions, parseVersion, Version } from "./lww";
import { Cluster, NodeProcess, waitFor } from "./testing/cluster";

jest.setTimeout(90000);

let cluster: Cluster;

beforeAll(async () => {
  cluster = new Cluster();
  await cluster.start();
});

afterAll(async () => {
  await cluster?.destroy();
});

function version(text: unknown): Version {
  const parsed = parseVersion(String(text));
  if (!parsed) throw new Error(`not a version: ${String(text)}`);
  return parsed;
}

async function expectEverywhere(nodes: NodeProcess[], collection: string, id: string, document: unknown): Promise<void> {
  for (const node of nodes) {
    await waitFor(`${collection}/${id} on ${node.region}`, async () => {
      const result = await node.get(collection, id);
      return result.status === 200 && JSON.stringify(result.body.document) === JSON.stringify(document) ? true : undefined;
    });
  }
}

test("writes taken in each region converge on all three", async () => {
  const writes = cluster.list().flatMap((node) => Array.from({ length: 20 }, (_, i) => ({ node, id: `${node.region}-${i}`, doc: { from: node.region, i } })));
  const results = await Promise.all(writes.map((w) => w.node.put("orders", w.id, w.doc)));
  expect(results.map((r) => r.status)).toEqual(writes.map(() => 200));
  await cluster.converged();
  for (const node of cluster.list()) {
    const page = await node.list("orders", "", 100);
    expect(page.items.map((item) => item.id).sort()).toEqual(writes.map((w) => w.id).sort());
  }
});

test("concurrent writes to one document resolve to the same, latest-versioned value everywhere", async () => {
  for (let round = 0; round < 5; round++) {
    const results = await Promise.all(cluster.list().map((node) => node.put("contended", "doc", { writer: node.region, round })));
    const acked = results.map((r) => version(r.body.version));
    const newest = acked.reduce((a, b) => (compareVersions(a, b) >= 0 ? a : b));
    await cluster.converged();
    const seen = await Promise.all(cluster.list().map((node) => node.get("contended", "doc")));
    for (const result of seen) {
      expect(result.body.version).toBe(seen[0].body.version);
      expect(result.body.document).toEqual({ writer: newest.writer.region, round });
      expect(compareVersions(version(result.body.version), newest)).toBe(0);
    }
  }
});

test("with alpha killed -9, beta and gamma keep serving; alpha restarted catches up", async () => {
  const { alpha, beta, gamma } = cluster.nodes;
  await alpha.crash();
  expect((await beta.put("outage", "b1", { v: 1 })).status).toBe(200);
  expect((await gamma.put("outage", "g1", { v: 2 })).status).toBe(200);
  await expectEverywhere([beta, gamma], "outage", "b1", { v: 1 });
  await expectEverywhere([beta, gamma], "outage", "g1", { v: 2 });
  await alpha.start();
  await expectEverywhere([alpha], "outage", "b1", { v: 1 });
  await expectEverywhere([alpha], "outage", "g1", { v: 2 });
  await cluster.converged();
});

test("no acknowledged write is lost across kill -9 / restart cycles", async () => {
  const { alpha } = cluster.nodes;
  const acked = new Map<string, Version>();
  for (let cycle = 0; cycle < 3; cycle++) {
    let writing = true;
    const writer = async (lane: number): Promise<void> => {
      for (let i = 0; writing; i++) {
        const id = `c${cycle}-l${lane}-${i}`;
        const result = await alpha.put("durable", id, { cycle, lane, i }).catch(() => undefined);
        if (result?.status === 200) acked.set(id, version(result.body.version));
        if (!result) return;
      }
    };
    const lanes = Array.from({ length: 8 }, (_, lane) => writer(lane));
    await waitFor("some writes acknowledged", async () => (acked.size > (cycle + 1) * 200 ? true : undefined));
    await alpha.crash();
    writing = false;
    await Promise.all(lanes);
    // Restart cut off from both peers: what alpha serves now comes from its own disk alone.
    for (const other of REGIONS.filter((r) => r !== "alpha")) cluster.partition("alpha", other);
    await alpha.start();
    const missing: string[] = [];
    for (const [id, v] of acked) {
      const result = await alpha.get("durable", id);
      if (result.status !== 200 || compareVersions(version(result.body.version), v) < 0) missing.push(id);
    }
    expect({ cycle, acked: acked.size, missing }).toEqual({ cycle, acked: acked.size, missing: [] });
    for (const other of REGIONS.filter((r) => r !== "alpha")) cluster.partition("alpha", other, false);
  }
  await cluster.converged(cluster.list(), 30000);
});

test("a partitioned region keeps taking writes and converges when the partition heals", async () => {
  const { alpha, beta, gamma } = cluster.nodes;
  cluster.partition("alpha", "beta");
  cluster.partition("alpha", "gamma");
  await waitFor("alpha to see its peers gone", async () => ((await alpha.status()).peers.every((p) => p.state !== "connected") ? true : undefined));
  expect((await alpha.put("split", "a", { side: "alpha" })).status).toBe(200);
  expect((await beta.put("split", "b", { side: "beta" })).status).toBe(200);
  expect((await alpha.put("split", "both", { side: "alpha" })).status).toBe(200);
  expect((await gamma.put("split", "both", { side: "gamma" })).status).toBe(200);
  await expectEverywhere([gamma], "split", "b", { side: "beta" });
  expect((await beta.get("split", "a")).status).toBe(404);
  expect((await alpha.get("split", "b")).status).toBe(404);

  cluster.partition("alpha", "beta", false);
  cluster.partition("alpha", "gamma", false);
  await cluster.converged();
  await expectEverywhere(cluster.list(), "split", "a", { side: "alpha" });
  await expectEverywhere(cluster.list(), "split", "both", { side: "gamma" });
});

test("with only alpha-beta cut, writes still flow between them through gamma", async () => {
  const { alpha, beta } = cluster.nodes;
  cluster.partition("alpha", "beta");
  try {
    expect((await alpha.put("relay", "x", { via: "gamma" })).status).toBe(200);
    await expectEverywhere([beta], "relay", "x", { via: "gamma" });
  } finally {
    cluster.partition("alpha", "beta", false);
  }
});

test("a peer with the wrong secret is refused and logged, and receives nothing", async () => {
  const wrongSecret = join(cluster.root, "wrong-secret");
  writeFileSync(wrongSecret, "not-the-shared-secret-at-all-0000");
  const intruder = new NodeProcess("gamma", join(cluster.root, "intruder"), wrongSecret, 1);
  await intruder.allocatePorts();
  // Its own address in its peer list too, as a StatefulSet's shared list would have it.
  intruder.peers = [{ name: "alpha", url: `ws://127.0.0.1:${cluster.nodes.alpha.peerPort}` }, { name: "me", url: `ws://127.0.0.1:${intruder.peerPort}` }];
  try {
    await intruder.start();
    await waitFor("alpha to log the refusal", async () => (/"msg":"peer refused"/.test(cluster.nodes.alpha.log()) ? true : undefined));
    const status = await waitFor("the intruder to record the refusal and its own entry", async () => {
      const current = await intruder.status();
      return current.peers[0]?.lastError && current.peers[1]?.lastError ? current : undefined;
    });
    expect(status.peers[0]).toMatchObject({ name: "alpha", state: expect.stringMatching(/connecting|disconnected/) });
    expect(String(status.peers[0].lastError)).toMatch(/refused by peer/);
    expect(status.keys).toBe(0);
    expect((await cluster.nodes.alpha.status()).peers.map((p) => p.node)).not.toContain("gamma-1");
    expect(status.peers[1]).toMatchObject({ name: "me", state: "disconnected", lastError: expect.stringMatching(/node itself/) });
    expect(intruder.log()).toMatch(/peer entry is this node itself/);
  } finally {
    await intruder.stop("SIGKILL");
  }
});

test("SIGTERM stops a node cleanly and it restarts with its data", async () => {
  const { beta } = cluster.nodes;
  expect((await beta.put("graceful", "g", { ok: true })).status).toBe(200);
  expect(await beta.stop("SIGTERM")).toBe(0);
  expect(beta.log()).toMatch(/"msg":"node stopped"/);
  await beta.start();
  await expectEverywhere([beta], "graceful", "g", { ok: true });
  await cluster.converged();
});
