/**
 * A compromised region against three real node processes: beta's node is stopped and a rogue
 * peer holding beta's certificate and key completes the real handshake with alpha and gamma, then
 * sends crafted data frames (testing/byzantine.ts). Each attack must be refused with nothing
 * applied, reads and status must keep answering 200, and once the real beta is back all three
 * converge and answer correctly.
 */
import { createPrivateKey } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as Y from "yjs";
import { decodeDataFrame, encodeDataFrame, FRAME_CREDENTIALS, FRAME_ENVELOPES, FRAME_STATE, openEnvelope } from "./dataFrames";
import { shardOf, storageKey } from "./keys";
import { Attack, AttackContext, attackEnvelopes, attackFrame } from "./testing/byzantine";
import { Cluster, NodeProcess, waitFor } from "./testing/cluster";
import { dialAs, RoguePeer, RogueTls } from "./testing/roguePeer";

jest.setTimeout(240000);

let cluster: Cluster;
let beta: RogueTls;
let secret: Buffer;
const rogues = new Map<string, RoguePeer>();
const VICTIMS = ["a1", "a2", "a3"];
const progress = (text: string): boolean => process.stderr.write(`[dataPlane] ${new Date().toISOString()} ${text}\n`);

beforeAll(async () => {
  cluster = new Cluster();
  await cluster.start();
  const { alpha, gamma } = cluster.nodes;
  for (const id of VICTIMS) expect((await alpha.put("victims", id, { owner: "alpha", id })).status).toBe(200);
  expect((await gamma.put("victims", "g1", { owner: "gamma" })).status).toBe(200);
  await cluster.converged();
  // beta is compromised: its node goes, a rogue with its certificate and key takes its place.
  await cluster.nodes.beta.stop("SIGKILL");
  progress("cluster up, beta stopped");
  const root = cluster.security.root;
  beta = { cert: readFileSync(join(root, "beta-0.crt"), "utf8"), key: readFileSync(join(root, "beta-0.key"), "utf8"), ca: readFileSync(cluster.security.caFile, "utf8") };
  secret = Buffer.from(readFileSync(cluster.secretFile, "utf8").trim(), "utf8");
}, 240000);

afterAll(async () => {
  for (const rogue of rogues.values()) rogue.close();
  await cluster?.destroy();
});

const targets = (): NodeProcess[] => [cluster.nodes.alpha, cluster.nodes.gamma];

/**
 * An authenticated rogue session as beta-0 to the node (re-dialled if the node dropped it). It
 * reports an empty state, as a node that lost its data would, twice (the second report says it
 * hears no other node, so gamma relays alpha's documents too), so the node sends it every
 * envelope it holds: the genuine envelopes of alpha's the attacks tamper with.
 */
async function rogue(node: NodeProcess): Promise<RoguePeer> {
  const existing = rogues.get(node.region);
  if (existing?.open) return existing;
  progress(`rogue session with ${node.region}`);
  const peer = await waitFor(`the rogue to get a session with ${node.region}`, async () => dialAs(`wss://127.0.0.1:${node.peerPort}`, beta, secret).catch((error: Error) => void progress(`dial refused: ${error.message}`)), 60000);
  rogues.set(node.region, peer);
  for (let report = 0; report < 2; report++) peer.send(encodeDataFrame({ kind: FRAME_STATE, connected: [], docs: [], digests: [] }));
  const holdsAlphas = (frame: Uint8Array) => {
    const decoded = decodeDataFrame(frame);
    return decoded.kind === FRAME_ENVELOPES && decoded.envelopes.some((bytes) => openEnvelope(bytes).writer === "alpha-0");
  };
  await peer.waitForFrame(holdsAlphas, 30000);
  return peer;
}

/** Alpha's document of the victim's shard, rebuilt from what alpha sent the rogue, and one genuine envelope of alpha's. */
function victimContext(peer: RoguePeer, id: string): AttackContext {
  const doc = new Y.Doc();
  const shard = shardOf(storageKey("victims", id));
  let genuine: Uint8Array | undefined;
  for (const frame of peer.frames) {
    let decoded;
    try {
      decoded = decodeDataFrame(frame);
    } catch {
      continue;
    }
    if (decoded.kind !== FRAME_ENVELOPES) continue;
    for (const bytes of decoded.envelopes) {
      const envelope = openEnvelope(bytes);
      if (envelope.writer !== "alpha-0" || envelope.shard !== shard) continue;
      Y.applyUpdate(doc, envelope.update);
      genuine ??= bytes;
    }
  }
  return { self: "beta-0", key: createPrivateKey(beta.key), victim: "alpha-0", victimDoc: doc, genuine, collection: "victims", id, now: Date.now() };
}

function counter(text: string, name: string, labels: string): number {
  const line = text.split("\n").find((l) => l.startsWith(`${name}{`) && labels.split(",").every((label) => l.includes(label)));
  return line ? Number(line.split(" ").pop()) : 0;
}

async function refusals(node: NodeProcess, reason: string): Promise<number> {
  return counter(await node.metrics(), "dsc_replication_refused_updates_total", `reason="${reason}"`);
}

/** Reads, status and the victims as before, on both honest nodes; nothing forged anywhere. */
async function intact(): Promise<void> {
  for (const node of targets()) {
    for (const id of VICTIMS) {
      const got = await node.get("victims", id);
      expect([node.region, id, got.status]).toEqual([node.region, id, 200]);
      expect(got.body.document).toEqual(expect.objectContaining({ owner: "alpha" }));
    }
    expect((await node.get("victims", "g1")).body.document).toEqual({ owner: "gamma" });
    const page = await node.list("victims", "", 1000);
    expect(JSON.stringify(page)).not.toMatch(/forged/);
    expect((await node.status()).digest).toMatch(/^[0-9a-f]{64}$/);
  }
  await cluster.converged([cluster.nodes.alpha, cluster.nodes.gamma], 60000);
}

// Every row has all three entries: jest-each treats a parameter beyond a row's length as `done`.
const cases: Array<[Attack, string, Partial<AttackContext>]> = [
  ["forge_other_writer", "bad_signature", {}],
  ["forge_unknown_writer", "unknown_writer", {}],
  ["tamper_genuine", "bad_signature", {}],
  ["plain_deletes", "bad_signature", {}],
  ["bigint_clock", "shape", {}],
  ["nan_clock", "shape", {}],
  ["far_future", "clock_ahead", {}],
  ["counter_2_53", "shape", {}],
  ["client_id_flood", "client_ids", { floodClients: 320_000 }],
];

test.each(cases)("%s from beta's certificate is refused (%s) with nothing applied", async (attack, reason, extra) => {
  for (const node of targets()) {
    progress(`${attack} -> ${node.region}`);
    const before = await refusals(node, reason);
    const peer = await rogue(node);
    const ctx = { ...victimContext(peer, "a1"), ...extra };
    const envelopes = attackEnvelopes(attack, ctx);
    expect(envelopes.length).toBeGreaterThan(0); // e.g. a genuine envelope to tamper with was at hand
    peer.send(encodeDataFrame({ kind: FRAME_ENVELOPES, envelopes }));
    await waitFor(`${node.region} to refuse ${attack}`, async () => ((await refusals(node, reason)) > before ? true : undefined), 60000);
  }
  await intact();
});

test("rewriting alpha's document under its own version, as beta, changes nothing", async () => {
  for (const node of targets()) {
    const peer = await rogue(node);
    peer.send(attackFrame("rewrite_under_version", victimContext(peer, "a2")));
  }
  await new Promise((resolve) => setTimeout(resolve, 1500));
  await intact();
});

test("a 64 MiB document from beta is refused (by the frame limit or as oversized), nothing applied", async () => {
  for (const node of targets()) {
    const peer = await rogue(node);
    const before = await refusals(node, "oversize");
    peer.send(attackFrame("oversized", { ...victimContext(peer, "a3"), padBytes: 64 * 1024 * 1024 }));
    const closed = peer.waitClosed(60000).then(() => true, () => false);
    await waitFor(`${node.region} to refuse the 64 MiB document`, async () => ((await refusals(node, "oversize")) > before || (await Promise.race([closed, Promise.resolve(false)])) ? true : undefined), 60000);
  }
  await intact();
});

test("a BigInt clock planted on a key: the key stays writable, and readable after a restart", async () => {
  const { alpha } = cluster.nodes;
  const peer = await rogue(alpha);
  peer.send(attackFrame("bigint_clock", victimContext(peer, "a1")));
  expect((await alpha.put("victims", "a1", { owner: "alpha", id: "a1", again: true })).status).toBe(200);
  expect((await alpha.get("victims", "a1")).body.document).toEqual({ owner: "alpha", id: "a1", again: true });
  await alpha.stop("SIGKILL");
  rogues.delete("alpha");
  await alpha.start();
  expect((await alpha.get("victims", "a1")).status).toBe(200);
  expect((await alpha.status()).digest).toMatch(/^[0-9a-f]{64}$/);
  await intact();
});

test("beta's own credential frame is accepted; a state report stays small after the client-id flood", async () => {
  const peer = await rogue(cluster.nodes.alpha);
  peer.send(encodeDataFrame({ kind: FRAME_CREDENTIALS, credentials: [new Uint8Array(Buffer.from(beta.cert.replace(/-----[^-]+-----|\s/g, ""), "base64"))] }));
  const from = peer.frames.length;
  const state = await peer.waitForFrame((f) => f[0] === FRAME_STATE, 30000, from);
  expect(state.byteLength).toBeLessThan(16 * 1024);
});

test("with the real beta back, all three converge and answer correctly", async () => {
  for (const rogue of rogues.values()) rogue.close();
  rogues.clear();
  await cluster.nodes.beta.start();
  await cluster.converged(cluster.list(), 60000);
  for (const node of cluster.list()) {
    expect((await node.get("victims", "a1")).body.document).toEqual({ owner: "alpha", id: "a1", again: true });
    expect((await node.get("victims", "g1")).body.document).toEqual({ owner: "gamma" });
    expect(JSON.stringify(await node.list("victims", "", 1000))).not.toMatch(/forged/);
    const status = (await node.status()) as unknown as { integrity: { divergedPeers: string[] } };
    expect(status.integrity.divergedPeers).toEqual([]);
  }
});
