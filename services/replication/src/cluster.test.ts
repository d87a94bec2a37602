/**
 * Three real node processes on 127.0.0.1, peer links over mutual TLS through loopback proxies,
 * the data API behind bearer tokens, kill -9 and partitions. Each test leaves the cluster
 * converged and connected for the next one.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import WebSocket from "ws";
import { createCa } from "../../../scripts/pki";
import { REGIONS } from "./identity";
import { compareVersions, parseVersion, Version } from "./lww";
import { Cluster, NodeProcess, waitFor } from "./testing/cluster";
import { ALL_SCOPES } from "./testing/security";

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
  // A certificate of the federation CA: only the HMAC second factor stands in its way.
  const intruder = new NodeProcess("gamma", join(cluster.root, "intruder"), wrongSecret, await cluster.security.node("gamma-1"), cluster.nodes.alpha.token, 1);
  await intruder.allocatePorts();
  // Its own entry in its peer list too, as a StatefulSet's shared list would have it: skipped as configuration.
  intruder.peers = [{ name: "alpha", url: `wss://127.0.0.1:${cluster.nodes.alpha.peerPort}` }, { name: "gamma-1", url: `wss://127.0.0.1:${intruder.peerPort}` }];
  try {
    await intruder.start();
    await waitFor("alpha to log the refusal", async () => (/"reason":"bad_secret"[^\n]*"msg":"peer handshake refused"/.test(cluster.nodes.alpha.log()) ? true : undefined));
    const status = await waitFor("the intruder to record the refusal", async () => {
      const current = await intruder.status();
      return current.peers[0]?.lastError ? current : undefined;
    });
    expect(status.peers).toHaveLength(1);
    expect(status.peers[0]).toMatchObject({ name: "alpha", state: expect.stringMatching(/connecting|disconnected/) });
    expect(String(status.peers[0].lastError)).toMatch(/refused by peer/);
    expect(status.keys).toBe(0);
    expect((await cluster.nodes.alpha.status()).peers.map((p) => p.node)).not.toContain("gamma-1");
    expect(counter(await cluster.nodes.alpha.metrics(), 'dsc_replication_peer_handshake_refused_total{direction="in",reason="bad_secret"}')).toBeGreaterThanOrEqual(1);
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

/** A counter's value in a node's Prometheus text (0 when the series does not exist yet). */
function counter(metrics: string, series: string): number {
  const line = metrics.split("\n").find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

describe("security", () => {
  test("unauthenticated, expired, wrong-scope and wrong-collection writes are refused and written nowhere", async () => {
    const { alpha, beta } = cluster.nodes;
    const { security } = cluster;
    const refused = [
      { id: "no-token", token: null, status: 401 },
      { id: "expired", token: await security.token(ALL_SCOPES, -1), status: 401 },
      { id: "read-only", token: await security.token("read:* status"), status: 403 },
      { id: "other-collection", token: await security.token("write:invoices read:*"), status: 403 },
    ];
    for (const attempt of refused) {
      const result = await alpha.put("guarded", attempt.id, { attempt: attempt.id }, attempt.token);
      expect({ id: attempt.id, status: result.status }).toEqual({ id: attempt.id, status: attempt.status });
      expect(result.body.message).toEqual(expect.any(String));
    }
    const deleteAttempt = await beta.delete("guarded", "kept", await security.token("write:invoices"));
    expect(deleteAttempt.status).toBe(403);
    // A write that is allowed, after the refused ones: once it is everywhere, so would they be.
    expect((await alpha.put("guarded", "allowed", { ok: true }, await security.token("write:guarded"))).status).toBe(200);
    await expectEverywhere(cluster.list(), "guarded", "allowed", { ok: true });
    for (const node of cluster.list()) {
      expect((await node.list("guarded", "", 100)).items.map((item) => item.id)).toEqual(["allowed"]);
    }
    const metrics = await alpha.metrics();
    expect(counter(metrics, 'dsc_replication_auth_refusals_total{status="401",reason="missing"}')).toBeGreaterThanOrEqual(1);
    expect(counter(metrics, 'dsc_replication_auth_refusals_total{status="401",reason="expired"}')).toBeGreaterThanOrEqual(1);
    expect(counter(metrics, 'dsc_replication_auth_refusals_total{status="403",reason="scope"}')).toBeGreaterThanOrEqual(2);
  });

  test("token keys rotate on every node without a restart: both valid, then only the new one", async () => {
    const { security } = cluster;
    const oldToken = cluster.nodes.alpha.token;
    await security.rotate();
    const newToken = await security.token();
    for (const node of cluster.list()) {
      await waitFor(`${node.region} to accept the new key`, async () => ((await node.get("rotation", "none", newToken)).status === 404 ? true : undefined));
      expect((await node.get("rotation", "none", oldToken)).status).toBe(404);
    }
    security.retireOldKeys();
    for (const node of cluster.list()) {
      const refusal = await waitFor(`${node.region} to refuse the retired key`, async () => {
        const result = await node.get("rotation", "none", oldToken);
        return result.status === 401 ? result : undefined;
      });
      expect(refusal.body.message).toMatch(/unknown or retired kid/);
      node.token = newToken;
      expect((await node.put("rotation", node.region, { by: "new key" })).status).toBe(200);
    }
    await cluster.converged();
  });

  test("the peer port speaks only TLS with a federation certificate: plaintext and certificate-less clients get nothing", async () => {
    const { alpha } = cluster.nodes;
    const metric = 'dsc_replication_peer_tls_refusals_total{direction="in",reason="no_certificate"}';
    const before = counter(await alpha.metrics(), metric);
    const outcome = (url: string, options: WebSocket.ClientOptions) =>
      new Promise<string>((resolve) => {
        const ws = new WebSocket(url, { ...options, handshakeTimeout: 5000 });
        ws.on("message", () => resolve("got a challenge"));
        ws.on("error", (error) => resolve(`error: ${error.message}`));
        ws.on("close", () => resolve("closed"));
      });
    expect(await outcome(`ws://127.0.0.1:${alpha.peerPort}`, {})).toMatch(/^error|^closed/);
    // Trusts the federation CA but has no certificate of its own.
    const caOnly = { ca: readFileSync(cluster.security.caFile, "utf8"), checkServerIdentity: () => undefined } as unknown as WebSocket.ClientOptions;
    expect(await outcome(`wss://127.0.0.1:${alpha.peerPort}`, caOnly)).toMatch(/^error|^closed/);
    await waitFor("the refusal to be counted", async () => (counter(await alpha.metrics(), metric) > before ? true : undefined));
    await waitFor("the refusal to be logged", async () => (/"reason":"tls: no_certificate"[^\n]*"msg":"peer refused"/.test(alpha.log()) ? true : undefined));
  });

  test("a peer with a certificate of another CA is refused and counted, and receives nothing", async () => {
    const { alpha } = cluster.nodes;
    const metric = 'dsc_replication_peer_tls_refusals_total{direction="in",reason="untrusted_certificate"}';
    const before = counter(await alpha.metrics(), metric);
    const rogueCa = await createCa("someone else's CA");
    // It trusts the federation CA, so it does reach the point of presenting its own certificate.
    const intruder = new NodeProcess("beta", join(cluster.root, "rogue"), cluster.secretFile, await cluster.security.node("beta-1", rogueCa), alpha.token, 1);
    await intruder.allocatePorts();
    intruder.peers = [{ name: "alpha", url: `wss://127.0.0.1:${alpha.peerPort}` }];
    try {
      await intruder.start();
      await waitFor("alpha to count the refusal", async () => (counter(await alpha.metrics(), metric) > before ? true : undefined));
      await waitFor("alpha to log the refusal", async () => (/"reason":"tls: untrusted_certificate"[^\n]*"msg":"peer refused"/.test(alpha.log()) ? true : undefined));
      const status = await intruder.status();
      expect(status.keys).toBe(0);
      expect(status.peers[0]).toMatchObject({ name: "alpha", state: expect.stringMatching(/connecting|disconnected/) });
      expect((await alpha.status()).peers.map((p) => p.node)).not.toContain("beta-1");
    } finally {
      await intruder.stop("SIGKILL");
    }
  });

  test("a node refuses a peer whose certificate is not from the federation CA, and counts it", async () => {
    const { alpha } = cluster.nodes;
    const rogueCa = await createCa("someone else's CA");
    const rogueCaFile = join(cluster.root, "rogue-ca.crt");
    writeFileSync(rogueCaFile, rogueCa.certPem);
    // A node that trusts only the other CA: alpha's certificate is foreign to it.
    const files = { ...(await cluster.security.node("gamma-2", rogueCa)), caFile: rogueCaFile };
    const stranger = new NodeProcess("gamma", join(cluster.root, "stranger"), cluster.secretFile, files, alpha.token, 2);
    await stranger.allocatePorts();
    stranger.peers = [{ name: "alpha", url: `wss://127.0.0.1:${alpha.peerPort}` }];
    try {
      await stranger.start();
      const status = await waitFor("the stranger to refuse alpha", async () => {
        const current = await stranger.status();
        return /not from the federation CA/.test(String(current.peers[0]?.lastError)) ? current : undefined;
      });
      expect(status.keys).toBe(0);
      expect(counter(await stranger.metrics(), 'dsc_replication_peer_tls_refusals_total{direction="out",reason="untrusted_certificate"}')).toBeGreaterThanOrEqual(1);
    } finally {
      await stranger.stop("SIGKILL");
    }
  });
});
