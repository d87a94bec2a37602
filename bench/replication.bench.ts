/**
 * Replication benchmark: three real node processes on loopback (direct peer links over mutual
 * TLS), a keep-alive HTTP load generator in this process sending a bearer token with every
 * request, all sharing this machine's cores. Prints each figure the issue asks for next to its
 * target, and the load average. Run: npm run bench:replication
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import http from "node:http";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import * as Y from "yjs";
import WebSocket, { WebSocketServer } from "ws";
import { REGIONS } from "../services/replication/src/identity";
import { shardOf, SHARD_COUNT, storageKey } from "../services/replication/src/keys";
import { ShardedStore } from "../services/replication/src/shards";
import { Cluster, NodeProcess, waitFor } from "../services/replication/src/testing/cluster";
import { cpuPerWriteInProcess } from "./commitSizeModel";
import { CpuProfile, formatCosts, topCosts } from "./cpuProfile";

const agent = new http.Agent({ keepAlive: true, maxSockets: 512 });
const DOC = { owner: "bench", amount: 42, note: "x".repeat(32) };
const results: Array<[string, string, string]> = [];
/** The load generator's credential (every scope), set once the cluster has its keys. */
let authorization = "";

function report(name: string, value: string, target = ""): void {
  results.push([name, value, target]);
  console.log(`  ${name}: ${value}${target ? `   (target ${target})` : ""}`);
}

/**
 * One request on a kept-alive connection. A node closes a connection idle for 5 s, and a request
 * sent on it just then is reset: sent again once on a fresh one, as Node's documentation advises
 * for `request.reusedSocket` (every request here is idempotent: a PUT of the same document or a GET).
 */
function request(port: number, method: string, path: string, body?: string, retried = false): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const headers = body ? { authorization, "content-type": "application/json", "content-length": Buffer.byteLength(body) } : { authorization };
    const req = http.request({ host: "127.0.0.1", port, method, path, agent, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
    });
    req.on("error", (error: NodeJS.ErrnoException) => {
      if (!retried && req.reusedSocket && error.code === "ECONNRESET") resolve(request(port, method, path, body, true));
      else reject(error);
    });
    req.end(body);
  });
}

async function put(node: NodeProcess, id: string): Promise<void> {
  const result = await request(node.apiPort, "PUT", `/v1/collections/bench/docs/${id}`, JSON.stringify(DOC));
  if (result.status !== 200) throw new Error(`PUT ${id} on ${node.region}: ${result.status} ${result.text}`);
}

async function visible(node: NodeProcess, id: string): Promise<boolean> {
  return (await request(node.apiPort, "GET", `/v1/collections/bench/docs/${id}`)).status === 200;
}

/** Closed loop: `concurrency` lanes each writing their share of ids back to back. Returns seconds and the last id acked. */
async function closedLoop(node: NodeProcess, ids: string[], concurrency: number): Promise<{ seconds: number; last: string }> {
  let next = 0;
  let last = ids[0];
  const started = performance.now();
  const lane = async (): Promise<void> => {
    while (next < ids.length) {
      const id = ids[next++];
      await put(node, id);
      last = id;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  return { seconds: (performance.now() - started) / 1000, last };
}

async function untilVisible(nodes: NodeProcess[], id: string, timeoutMs = 60000): Promise<void> {
  for (const node of nodes) await waitFor(`${id} on ${node.region}`, async () => ((await visible(node, id)) ? true : undefined), timeoutMs);
}

function ids(prefix: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix}-${i}`);
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/**
 * CPU seconds the three node processes have used (their own process_cpu_seconds_total). Unlike
 * throughput, CPU per write hardly moves with what else runs on the machine: the figure that
 * compares two builds on a shared, busy machine.
 */
async function nodeCpuSeconds(cluster: Cluster): Promise<number> {
  let sum = 0;
  for (const node of cluster.list()) sum += Number(/^process_cpu_seconds_total (\S+)/m.exec((await request(node.apiPort, "GET", "/metrics")).text)?.[1]);
  return sum;
}

interface CommitCounts {
  readonly writes: number;
  readonly commits: number;
  readonly compactions: number;
}

/**
 * Summed over the nodes: writes acknowledged, group commits that acknowledged any (from
 * dsc_replication_commit_writes) and shard snapshots written (each one sent to and checked by both peers).
 */
async function commitCounts(cluster: Cluster): Promise<CommitCounts> {
  const sum = { writes: 0, commits: 0, compactions: 0 };
  for (const node of cluster.list()) {
    const text = (await request(node.apiPort, "GET", "/metrics")).text;
    const value = (pattern: RegExp) => Number(pattern.exec(text)?.[1] ?? 0);
    sum.writes += value(/^dsc_replication_commit_writes_sum (\S+)/m);
    sum.commits += value(/^dsc_replication_commit_writes_count (\S+)/m) - value(/^dsc_replication_commit_writes_bucket\{le="0"\} (\S+)/m);
    sum.compactions += value(/^dsc_replication_compactions_total (\S+)/m);
  }
  return sum;
}

/** Mean writes per commit that took any, and snapshots made, between two readings. */
function commitsBetween(before: CommitCounts, after: CommitCounts): { perCommit: number; text: string } {
  const perCommit = (after.writes - before.writes) / Math.max(1, after.commits - before.commits);
  return { perCommit, text: `${perCommit.toFixed(0)} writes per commit, ${after.compactions - before.compactions} shard snapshots` };
}

async function oneRegion(cluster: Cluster): Promise<{ ackRate: number; endToEnd: number; perCommit: number }> {
  const { alpha, beta, gamma } = cluster.nodes;
  const batch = ids("one", 20000);
  const cpuBefore = await nodeCpuSeconds(cluster);
  const commitsBefore = await commitCounts(cluster);
  const { seconds, last } = await closedLoop(alpha, batch, 256);
  const ackRate = batch.length / seconds;
  report("durable acked writes/s into one region (alpha, peers replicating)", ackRate.toFixed(0), ">= 8000");
  const started = performance.now();
  await untilVisible([beta, gamma], last);
  const total = seconds + (performance.now() - started) / 1000;
  // Peer links are FIFO and commits are forwarded in order: the last acked write arriving means all did.
  report("end-to-end convergence throughput, one region (writes/s until on all 3)", (batch.length / total).toFixed(0));
  const cpuMs = ((await nodeCpuSeconds(cluster)) - cpuBefore) * 1000;
  const commits = commitsBetween(commitsBefore, await commitCounts(cluster));
  report("node CPU per write into one region until on all 3 (sum of the 3 processes)", `${((cpuMs * 1000) / batch.length).toFixed(0)} us; ${commits.text}`);
  return { ackRate, endToEnd: batch.length / total, perCommit: commits.perCommit };
}

async function allRegions(cluster: Cluster, oneRegionAckRate: number | undefined): Promise<number> {
  const per = 8000;
  const cpuBefore = await nodeCpuSeconds(cluster);
  const commitsBefore = await commitCounts(cluster);
  const started = performance.now();
  const runs = await Promise.all(cluster.list().map((node) => closedLoop(node, ids(`all-${node.region}`, per), 128)));
  const seconds = (performance.now() - started) / 1000;
  report("aggregate durable acked writes/s, all three regions writing", ((per * 3) / seconds).toFixed(0), `>= one region (${oneRegionAckRate?.toFixed(0) ?? "not run"})`);
  await Promise.all(runs.map((run, i) => untilVisible(cluster.list().filter((_, j) => j !== i), run.last)));
  report("aggregate end-to-end convergence throughput (writes/s until on all 3)", ((per * 3) / ((performance.now() - started) / 1000)).toFixed(0));
  const cpuMs = ((await nodeCpuSeconds(cluster)) - cpuBefore) * 1000;
  const commits = commitsBetween(commitsBefore, await commitCounts(cluster));
  report("node CPU per write, all regions writing, until on all 3 (sum of the 3 processes)", `${((cpuMs * 1000) / (per * 3)).toFixed(0)} us; ${commits.text}`);
  return commits.perCommit;
}

/**
 * What makes the aggregate cost more per write: each node's commits are smaller when it takes a
 * third of the writes, and much of a commit's cost is per commit (a signature, two checks, a Yjs
 * transaction and an envelope per shard touched). The same replicas in this process, without HTTP,
 * TLS or fsync, at the commit sizes the two phases just made, and all regions at the larger size.
 */
async function commitSize(oneRegion: number, allRegions: number): Promise<void> {
  const sizes = [["one", Math.round(oneRegion)], ["all", Math.round(allRegions)], ["all", Math.round(oneRegion)]] as const;
  await cpuPerWriteInProcess("all", sizes[1][1], 6_000, DOC); // warm-up
  const figures: string[] = [];
  for (const [writers, size] of sizes) {
    const us = await cpuPerWriteInProcess(writers, size, 30_000, DOC);
    figures.push(`${writers === "one" ? "one region" : "all regions"} at ${size} writes per commit ${us.toFixed(0)} us`);
  }
  report("CPU per write, the 3 replicas in one process (no HTTP, TLS or fsync)", figures.join("; "));
}

type Buckets = Map<number, number>;

/**
 * Sum over all nodes of the cumulative buckets of dsc_replication_lag_seconds, and each node's
 * event-loop delay since the previous scrape (prom-client resets that histogram on every scrape).
 */
async function lagBuckets(cluster: Cluster): Promise<{ sums: Buckets; eventLoop: string[] }> {
  const sums: Buckets = new Map();
  const eventLoop: string[] = [];
  const seconds = (text: string, name: string): string => `${(Number(new RegExp(`^${name} (\\S+)`, "m").exec(text)?.[1]) * 1000).toFixed(0)} ms`;
  for (const node of cluster.list()) {
    const text = (await request(node.apiPort, "GET", "/metrics")).text;
    eventLoop.push(`${node.region} p99 ${seconds(text, "nodejs_eventloop_lag_p99_seconds")}, max ${seconds(text, "nodejs_eventloop_lag_max_seconds")}`);
    for (const match of text.matchAll(/^dsc_replication_lag_seconds_bucket\{le="([^"]+)"\} (\d+)/gm)) {
      const le = match[1] === "+Inf" ? Infinity : Number(match[1]);
      sums.set(le, (sums.get(le) ?? 0) + Number(match[2]));
    }
  }
  return { sums, eventLoop };
}

/** The bucket bound under which p percent of the observations between two readings fall. */
function bucketPercentile(before: Buckets, after: Buckets, p: number): { bound: number; count: number } {
  const bounds = [...after.keys()].sort((a, b) => a - b);
  const delta = (le: number): number => (after.get(le) ?? 0) - (before.get(le) ?? 0);
  const count = delta(Infinity);
  const bound = bounds.find((le) => delta(le) >= (p / 100) * count) ?? Infinity;
  return { bound, count };
}

/**
 * Open loop at a fixed rate per region. Lag is read two ways: every node's own histogram of
 * (arrival time - the write's HLC wall time), exact to its bucket bounds since all nodes share
 * this machine's clock; and, for 1 write in 25, a client polling the other two regions until it
 * reads the write (adds up to 5 ms of polling granularity).
 */
async function convergenceLag(cluster: Cluster, ratePerRegion: number, seconds: number): Promise<void> {
  const lags: number[] = [];
  const followers: Array<Promise<void>> = [];
  const tickMs = 10;
  const perTick = (ratePerRegion * tickMs) / 1000;
  let n = 0;
  let behind = 0;
  const follow = async (origin: NodeProcess, id: string): Promise<void> => {
    await put(origin, id);
    const acked = performance.now();
    const others = cluster.list().filter((node) => node !== origin);
    await Promise.all(others.map(async (node) => {
      while (!(await visible(node, id))) await new Promise((resolve) => setTimeout(resolve, 5));
      lags.push(performance.now() - acked);
    }));
  };
  const bucketsBefore = (await lagBuckets(cluster)).sums;
  const start = performance.now();
  for (let tick = 0; performance.now() - start < seconds * 1000; tick++) {
    const due = start + tick * tickMs;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    else behind++;
    for (const origin of cluster.list()) {
      for (let i = 0; i < perTick; i++) {
        const id = `lag-${origin.region}-${n++}`;
        followers.push(n % 25 === 0 ? follow(origin, id) : put(origin, id));
      }
    }
  }
  await Promise.all(followers);
  const offered = n / ((performance.now() - start) / 1000);
  await new Promise((resolve) => setTimeout(resolve, 500));
  const { sums: bucketsAfter, eventLoop } = await lagBuckets(cluster);
  const p50 = bucketPercentile(bucketsBefore, bucketsAfter, 50);
  const p99 = bucketPercentile(bucketsBefore, bucketsAfter, 99);
  report(`convergence lag at ${ratePerRegion} writes/s per region, node histograms (${p99.count} arrivals)`, `p50 <= ${p50.bound * 1000} ms, p99 <= ${p99.bound * 1000} ms`);
  lags.sort((a, b) => a - b);
  report(`  same, client-observed ack -> readable elsewhere (${lags.length} samples)`, `p50 ${percentile(lags, 50).toFixed(1)} ms, p99 ${percentile(lags, 99).toFixed(1)} ms, max ${lags[lags.length - 1].toFixed(1)} ms`, "p99 < 50 ms");
  report("  offered rate achieved (all regions)", `${offered.toFixed(0)} writes/s, ${behind} late ticks`);
  report("  node event-loop delay during it", eventLoop.join("; "));
}

async function catchUp(cluster: Cluster): Promise<void> {
  const { alpha, beta, gamma } = cluster.nodes;
  await alpha.crash();
  const missed = ids("missed", 50000);
  const { seconds } = await closedLoop(beta, missed, 256);
  report("(writes into beta while alpha was down)", `${missed.length} in ${seconds.toFixed(1)} s`);
  // One sentinel per shard, written last: each shard's catch-up arrives as one Yjs diff.
  const sentinels = Array.from({ length: SHARD_COUNT }, (_, shard) => {
    for (let i = 0; ; i++) if (shardOf(storageKey("bench", `sentinel-${i}`)) === shard) return `sentinel-${i}`;
  });
  for (const id of sentinels) await put(beta, id);
  await untilVisible([gamma], sentinels[sentinels.length - 1]);

  const spawned = performance.now();
  await alpha.start();
  const ready = performance.now();
  const restore = /"restoreMs":(\d+)[^\n]*"msg":"restored from stored CRDT state"/g;
  const restoreMs = [...alpha.log().matchAll(restore)].at(-1)?.[1];
  report("restart time (spawn -> ready)", `${(ready - spawned).toFixed(0)} ms; restoring the stored CRDT state itself: ${restoreMs} ms`, "< 1000 ms");
  for (const id of sentinels) await waitFor(`${id} on alpha`, async () => ((await visible(alpha, id)) ? true : undefined), 60000);
  report("catch-up of 50,000 missed writes (alpha ready -> all shards caught up)", `${(performance.now() - ready).toFixed(0)} ms`, "< 1000 ms");
  await cluster.converged(cluster.list(), 60000);
}

async function memory(cluster: Cluster): Promise<void> {
  const gc = (global as { gc?: () => void }).gc;
  if (gc) {
    gc();
    const before = process.memoryUsage().heapUsed;
    const store = new ShardedStore({ region: "alpha", replica: 0 }, Date.now);
    for (let i = 0; i < 100000; i++) store.write("bench", `doc-${i}`, DOC);
    gc();
    const perDoc = (process.memoryUsage().heapUsed - before) / 100000;
    report("memory per document in the Yjs store (heap, in-process, 100,000 docs)", `${perDoc.toFixed(0)} bytes -> ${((perDoc * 100000) / 2 ** 20).toFixed(1)} MiB per 100,000 docs`, "<= 300 bytes");
    // The floor under that figure: the same slots in bare Y.Maps (16 docs, as the shards), nothing of ours around them.
    gc();
    const bareBefore = process.memoryUsage().heapUsed;
    const bare = Array.from({ length: SHARD_COUNT }, () => new Y.Doc());
    for (let i = 0; i < 100000; i++) bare[i % SHARD_COUNT].getMap("s").set(`bench/doc-${i}`, { w: Date.now(), c: 0, v: DOC });
    gc();
    report("  the same documents as bare Y.Map entries (Yjs alone)", `${((process.memoryUsage().heapUsed - bareBefore) / 100000).toFixed(0)} bytes`);
    // Yjs' own floor per entry, whatever a document holds: the number 1 under a six-character key.
    gc();
    const floorBefore = process.memoryUsage().heapUsed;
    const floor = Array.from({ length: SHARD_COUNT }, () => new Y.Doc());
    for (let i = 0; i < 100000; i++) floor[i % SHARD_COUNT].getMap("s").set(`d${i}`, 1);
    gc();
    report("  a bare Y.Map entry holding the number 1 (Yjs' floor per entry)", `${((process.memoryUsage().heapUsed - floorBefore) / 100000).toFixed(0)} bytes`);
    // The figures above share one value object among all documents; a document that came from a
    // peer (or an HTTP body) holds its own copy, decoded from the update: what a node holds of the others' writes.
    const received = new ShardedStore({ region: "beta", replica: 0 }, Date.now);
    const updates = store.own.docs.map((doc) => Y.encodeStateAsUpdate(doc));
    gc();
    const receivedBefore = process.memoryUsage().heapUsed;
    const peerDocs = received.writer("alpha-0");
    updates.forEach((update, shard) => Y.applyUpdate(peerDocs?.docs[shard] as Y.Doc, update));
    gc();
    report("  the same documents as a peer holds them (values decoded from the update)", `${((process.memoryUsage().heapUsed - receivedBefore) / 100000).toFixed(0)} bytes`);
    // All still referenced here: none can be collected while another is measured.
    if (store.keyCount() !== 100000 || received.keyCount() !== 100000 || [bare, floor].some((docs) => docs.reduce((n, doc) => n + doc.getMap("s").size, 0) !== 100000)) throw new Error("a store lost documents");
  } else {
    report("memory per document in the Yjs store", "skipped: run node with --expose-gc (npm run bench:replication does)");
  }
  const metrics = (await request(cluster.nodes.alpha.apiPort, "GET", "/metrics")).text;
  const status = JSON.parse((await request(cluster.nodes.alpha.apiPort, "GET", "/v1/replication/status")).text) as { keys: number };
  const rss = Number(/^process_resident_memory_bytes (\d+)/m.exec(metrics)?.[1]);
  const heap = Number(/^nodejs_heap_size_used_bytes (\d+)/m.exec(metrics)?.[1]);
  report(`alpha process with ${status.keys} docs`, `RSS ${(rss / 2 ** 20).toFixed(0)} MiB, heap used ${(heap / 2 ** 20).toFixed(0)} MiB (${((heap / status.keys) * 100000 / 2 ** 20).toFixed(0)} MiB heap per 100,000 docs, fixed overhead included)`);
}

/**
 * Where the time goes: beta restarted under `node --cpu-prof`; alpha stopped, 20,000 writes into
 * beta that alpha misses, alpha restarted under `--cpu-prof` (restore, then catch-up from beta and
 * gamma), then 20,000 writes into alpha until on all three; both stopped so V8 writes the
 * profiles. The five largest self-time costs of each, by function and by module.
 */
async function profile(cluster: Cluster): Promise<void> {
  const { alpha, beta, gamma } = cluster.nodes;
  const dirs = new Map([alpha, beta].map((node) => [node, mkdtempSync(join(tmpdir(), `dsc-cpu-prof-${node.region}-`))]));
  const restartProfiled = async (node: NodeProcess) => {
    node.nodeFlags = ["--cpu-prof", "--cpu-prof-dir", dirs.get(node) as string];
    await node.start();
    node.nodeFlags = [];
  };
  await beta.stop("SIGTERM");
  await restartProfiled(beta);
  await alpha.stop("SIGTERM");
  const missed = await closedLoop(beta, ids("profiled-missed", 20000), 256);
  await restartProfiled(alpha);
  await untilVisible([alpha], missed.last);
  const { last } = await closedLoop(alpha, ids("profiled", 20000), 256);
  await untilVisible([beta, gamma], last);
  for (const [node, dir] of dirs) {
    // Generous: V8 writes the whole profile on the way out.
    if ((await node.stop("SIGTERM", 120_000)) !== 0) throw new Error(`${node.region} did not stop cleanly; its log:\n${node.log().slice(-2000)}`);
    const file = readdirSync(dir).find((name) => name.endsWith(".cpuprofile"));
    if (!file) throw new Error(`${node.region} wrote no CPU profile in ${dir}`);
    const costs = topCosts(JSON.parse(readFileSync(join(dir, file), "utf8")) as CpuProfile, 5);
    const role = node === alpha ? "restore, catch-up, taking writes" : "serving catch-up, receiving writes";
    report(`top 5 costs, ${node.region} (${role}), self time by function`, formatCosts(costs.functions));
    report(`top 5 costs, ${node.region} (${role}), by module`, formatCosts(costs.modules));
    await node.start();
  }
}

/** Baseline: three bare Y.Docs in this process over loopback WebSockets, one message per update. */
async function bareMesh(count: number): Promise<number> {
  const docs = REGIONS.map(() => new Y.Doc());
  const server = new WebSocketServer({ host: "127.0.0.1", port: 0 });
  await new Promise((resolve) => server.once("listening", resolve));
  const port = (server.address() as { port: number }).port;
  let accepted = 0;
  server.on("connection", (ws) => {
    const target = docs[1 + (accepted++ % 2)];
    ws.on("message", (data) => Y.applyUpdate(target, new Uint8Array(data as Buffer), "remote"));
  });
  const clients = await Promise.all([0, 1].map(() => new Promise<WebSocket>((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}`);
    ws.once("open", () => resolve(ws));
  })));
  docs[0].on("update", (update: Uint8Array, origin: unknown) => origin !== "remote" && clients.forEach((ws) => ws.send(update)));
  const started = performance.now();
  const map = docs[0].getMap<object>("w");
  for (let i = 0; i < count; i++) {
    map.set(`k${i}`, DOC);
    if (i % 256 === 0) await new Promise((resolve) => setImmediate(resolve));
  }
  await waitFor("bare mesh convergence", async () => (docs.every((d) => d.getMap("w").size === count) ? true : undefined), 60000);
  const rate = count / ((performance.now() - started) / 1000);
  clients.forEach((ws) => ws.close());
  await new Promise((resolve) => server.close(resolve));
  report("baseline: bare in-process Yjs mesh over loopback WebSockets (writes/s until on all 3)", rate.toFixed(0));
  return rate;
}

function loadAverage(): string {
  return loadavg().map((value) => value.toFixed(2)).join(", ");
}

async function main(): Promise<void> {
  console.log("Replication benchmark: 3 node processes (bearer tokens on the API, mutual TLS between peers) + load generator on this machine");
  report("load average before (1, 5, 15 min)", loadAverage());
  // The nodes run compiled JavaScript, as in the container image (ts-node would inflate start-up).
  const outDir = join(__dirname, "..", ".state", "bench-replication-dist");
  execFileSync(process.execPath, [require.resolve("typescript/bin/tsc"), "-p", join(__dirname, "..", "services", "replication", "tsconfig.build.json"), "--outDir", outDir], { stdio: "inherit" });
  const cluster = new Cluster(true, { script: join(outDir, "main.js"), nodeArgs: [] });
  try {
    await cluster.start();
    authorization = `Bearer ${cluster.nodes.alpha.token}`;
    // Every node takes writes before anything is measured: warming alpha alone left beta's and
    // gamma's HTTP and write paths to be compiled by V8 during the all-regions phase (a third more CPU per write there).
    for (const node of cluster.list()) await closedLoop(node, ids(`warmup-${node.region}`, 3000), 32);
    // The 1-minute load average after each phase: the machine's state while the figures were taken.
    const loadSamples: string[] = [];
    // DSC_BENCH_PHASES=one,all,... runs only those phases (while working on one figure); the ratio needs "one" and "bare".
    const only = process.env.DSC_BENCH_PHASES?.split(",");
    const phase = async <T>(name: string, run: () => Promise<T>): Promise<T | undefined> => {
      if (only && !only.includes(name)) return undefined;
      const result = await run();
      loadSamples.push(loadavg()[0].toFixed(2));
      return result;
    };
    const one = await phase("one", () => oneRegion(cluster));
    const all = await phase("all", () => allRegions(cluster, one?.ackRate));
    // In this process while the cluster idles, at the commit sizes the two phases just made.
    if (one && all) await phase("commits", () => commitSize(one.perCommit, all));
    await phase("lag", () => convergenceLag(cluster, 500, 8));
    await phase("catchup", () => catchUp(cluster));
    await phase("memory", () => memory(cluster));
    await phase("profile", () => profile(cluster));
    const baseline = await phase("bare", () => bareMesh(20000));
    if (one && baseline) report("ratio baseline / end-to-end convergence throughput", `${(baseline / one.endToEnd).toFixed(2)}x`, "<= 1.5x");
    report("load average during the run (1 min, after each phase)", loadSamples.join(", "));
  } finally {
    agent.destroy();
    await cluster.destroy();
  }
  report("load average after (1, 5, 15 min)", loadAverage());
  console.log("\nSummary");
  for (const [name, value, target] of results) console.log(`| ${name} | ${value} | ${target} |`);
}

void main().catch((error: Error) => {
  console.error(error);
  process.exitCode = 1;
});
