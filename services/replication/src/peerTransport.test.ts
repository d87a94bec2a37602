/**
 * The peer transport in this process (no node around it), for what a node process cannot show
 * deterministically: a peer that finishes its handshake while the transport is closing.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import pino from "pino";
import { ReplicationMetrics } from "./metrics";
import { loadPeerTls } from "./peerTls";
import { PeerTransport } from "./peerTransport";
import { Replica } from "./replica";
import { RoguePeer } from "./testing/roguePeer";
import { TestSecurity } from "./testing/security";
import { UpdateLog } from "./updateLog";
import { CaTrust } from "./writerTrust";

const SECRET = Buffer.from("correct-horse-battery-staple-0123456789");
const root = mkdtempSync(join(tmpdir(), "dsc-peer-transport-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

test("a peer that authenticates while the transport is closing is closed too, and close() completes", async () => {
  const security = await TestSecurity.create(join(root, "security"));
  const files = await security.node("beta-0");
  const tls = loadPeerTls(files);
  const logger = pino({ level: "silent" });
  const replica = new Replica({ self: { region: "beta", replica: 0 }, log: new UpdateLog(new Database(":memory:")), trust: new CaTrust(tls) });
  const transport = new PeerTransport({ replica, self: "beta-0", secret: SECRET, tls, peers: [], logger, metrics: new ReplicationMetrics(logger) });
  const port = await transport.listen("127.0.0.1", 0);
  const gamma = await security.node("gamma-0");
  const late = await RoguePeer.connect(`wss://127.0.0.1:${port}`, { cert: readFileSync(gamma.certFile, "utf8"), key: readFileSync(gamma.keyFile, "utf8"), ca: readFileSync(gamma.caFile, "utf8") });
  let closing: Promise<void> | undefined;
  try {
    const { transcript: _unused, ...proof } = await late.proof({ secret: SECRET });
    void _unused;
    closing = transport.close();
    // The proof lands after close() began: before, the session was set up anyway and close() waited for it forever.
    const outcome = await late.sendProof(proof);
    let timer: NodeJS.Timeout | undefined;
    const closed = await Promise.race([closing.then(() => "closed"), new Promise((resolve) => (timer = setTimeout(() => resolve("still closing after 10 s"), 10_000)))]);
    clearTimeout(timer);
    expect(closed).toBe("closed");
    expect(outcome.accepted ? (await late.waitClosed()).code : outcome.closed.code).toBe(1001);
  } finally {
    late.close();
    await (closing ?? transport.close());
    await replica.close();
  }
});
