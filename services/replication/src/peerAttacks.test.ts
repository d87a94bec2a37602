/**
 * The peer port and the data API under attack, against real node processes: a relay between two nodes, a dial
 * answered with the dialer's own name, an impostor with a valid certificate for another name, 200 MiB frames before
 * authentication, sockets beyond the caps, slow-loris HTTP. Each attack is refused, counted and logged, and the
 * honest path (the same rogue peer with its own name and the secret) still works.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { encodeDataFrame, FRAME_CREDENTIALS } from "./dataFrames";
import { NodeProcess, waitFor } from "./testing/cluster";
import { RogueAcceptor, RogueConnection, RoguePeer, RogueTls, dialAs } from "./testing/roguePeer";
import { NodeSecurityFiles, TestSecurity } from "./testing/security";

jest.setTimeout(120000);

const root = mkdtempSync(join(tmpdir(), "dsc-peer-attacks-"));
const secretFile = join(root, "secret");
const SECRET = "correct-horse-battery-staple-0123456789";
let security: TestSecurity;
/** alpha-0: default limits; dials "beta" at the rogue acceptor. beta-0: tight limits for the cap tests. */
let alpha: NodeProcess;
let beta: NodeProcess;
let acceptor: RogueAcceptor;
let onDial: (connection: RogueConnection) => void = () => undefined;
const LIMITED = { unauthenticated: 4, connections: 12, http: 8, headersTimeoutMs: 2000, frameBytes: 64 * 1024, bytesPerSecond: 64 * 1024 };

function tlsOf(files: NodeSecurityFiles): RogueTls {
  return { cert: readFileSync(files.certFile, "utf8"), key: readFileSync(files.keyFile, "utf8"), ca: readFileSync(files.caFile, "utf8") };
}

async function rogueTls(name: string): Promise<RogueTls> {
  return tlsOf(await security.node(name));
}

function counter(metrics: string, series: string): number {
  const line = metrics.split("\n").find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

const refused = (direction: "in" | "out", reason: string): string => `dsc_replication_peer_handshake_refused_total{direction="${direction}",reason="${reason}"}`;

/** Resident memory of a process, from /proc (bytes). */
function rssBytes(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  if (!match) throw new Error(`no VmRSS for ${pid}`);
  return Number(match[1]) * 1024;
}

beforeAll(async () => {
  writeFileSync(secretFile, `${SECRET}\n`);
  security = await TestSecurity.create(join(root, "security"));
  const token = await security.token();
  acceptor = await RogueAcceptor.listen(await rogueTls("beta-7"), (connection) => onDial(connection));
  alpha = new NodeProcess("alpha", join(root, "alpha"), secretFile, await security.node("alpha-0"), token);
  beta = new NodeProcess("beta", join(root, "beta"), secretFile, await security.node("beta-0"), token);
  await alpha.allocatePorts();
  await beta.allocatePorts();
  alpha.peers = [{ name: "beta", url: acceptor.url }];
  beta.extraArgs = [
    "--peer-max-unauthenticated", String(LIMITED.unauthenticated),
    "--peer-max-connections", String(LIMITED.connections),
    "--peer-handshake-timeout-ms", "30000",
    "--http-max-connections", String(LIMITED.http),
    "--http-headers-timeout-ms", String(LIMITED.headersTimeoutMs),
    "--http-request-timeout-ms", "3000",
    "--peer-max-frame-bytes", String(LIMITED.frameBytes),
    "--peer-max-bytes-per-second", String(LIMITED.bytesPerSecond),
  ];
  await Promise.all([alpha.start(), beta.start()]);
});

afterAll(async () => {
  await Promise.all([alpha?.stop("SIGKILL"), beta?.stop("SIGKILL")]);
  await acceptor?.close();
  rmSync(root, { recursive: true, force: true });
});

test("the rogue peer's honest path: its own certificate name and the secret are accepted, and it receives data frames", async () => {
  const peer = await dialAs(`wss://127.0.0.1:${alpha.peerPort}`, await rogueTls("gamma-3"), Buffer.from(SECRET));
  try {
    await peer.waitForFrame(() => true);
    await waitFor("alpha to list gamma-3 as connected", async () => ((await alpha.status()).peers.some((p) => p.node === "gamma-3" && p.state === "connected") ? true : undefined));
  } finally {
    peer.close();
  }
});

test("an impostor with a valid CA certificate for beta-1 claiming alpha-0 or gamma-0 is refused, counted and gets nothing", async () => {
  const before = counter(await alpha.metrics(), refused("in", "impostor"));
  const tls = await rogueTls("beta-1");
  for (const claim of ["alpha-0", "gamma-0"]) {
    const peer = await RoguePeer.connect(`wss://127.0.0.1:${alpha.peerPort}`, tls);
    const outcome = await peer.authenticate({ claim, secret: Buffer.from(SECRET) });
    expect(outcome).toEqual({ accepted: false, closed: { code: 4401, reason: "authentication failed" } });
    expect(peer.frames).toHaveLength(0);
  }
  await waitFor("alpha to count both", async () => (counter(await alpha.metrics(), refused("in", "impostor")) >= before + 2 ? true : undefined));
  expect(alpha.log()).toMatch(/"reason":"impostor","detail":"dialer claims gamma-0 with the certificate of beta-1"[^\n]*"msg":"peer handshake refused"/);
  expect((await alpha.status()).peers.map((p) => p.node)).not.toContain("gamma-0");
  // Its own name but a proof signed for another session's transcript (here: naming another acceptor): refused too.
  const peer = await RoguePeer.connect(`wss://127.0.0.1:${alpha.peerPort}`, tls);
  expect(await peer.authenticate({ acceptor: "alpha-1", secret: Buffer.from(SECRET) })).toMatchObject({ accepted: false });
  await waitFor("the bad signature to be counted", async () => (counter(await alpha.metrics(), refused("in", "bad_signature")) >= 1 ? true : undefined));
});

test("a relay between alpha and beta gets no session: every way of forwarding the handshake is refused", async () => {
  // The relay holds a valid CA certificate of a made-up beta node (beta-7): alpha dials it as "beta".
  const relayTls = await rogueTls("beta-7");
  const dialed: RogueConnection[] = [];
  onDial = (connection) => dialed.push(connection);
  const nextDial = async (): Promise<RogueConnection> => {
    const seen = dialed.length;
    await waitFor("alpha to dial the relay", async () => (dialed.length > seen ? true : undefined), 20000);
    return dialed[dialed.length - 1];
  };
  const betaBefore = await beta.metrics();
  const alphaBefore = await alpha.metrics();

  // 1. beta's hello forwarded to alpha verbatim: it names beta-0 over a beta-7 certificate. alpha signs nothing.
  let toBeta = await RoguePeer.connect(`wss://127.0.0.1:${beta.peerPort}`, relayTls);
  let hello = await toBeta.hello();
  let fromAlpha = await nextDial();
  expect(await fromAlpha.answerAs(hello.node, 5000, hello)).toBeUndefined();
  expect((await fromAlpha.waitClosed()).code).toBe(4401);

  // 2. beta's nonce under the relay's own name: alpha signs, but over the alpha-relay session and certificates.
  toBeta.close();
  toBeta = await RoguePeer.connect(`wss://127.0.0.1:${beta.peerPort}`, relayTls);
  hello = await toBeta.hello();
  fromAlpha = await nextDial();
  const alphaProof = await fromAlpha.answerAs("beta-7", 10000, { ...hello, node: "beta-7" });
  expect(alphaProof).toMatchObject({ type: "proof", node: "alpha-0" });
  if (!alphaProof) throw new Error("unreachable");
  fromAlpha.close();
  // 2a. forwarded as is (claiming alpha-0 over the relay's certificate): impostor.
  expect(await toBeta.sendProof(alphaProof)).toMatchObject({ accepted: false, closed: { code: 4401 } });
  // 2b. claiming the relay's own name with alpha's signature: the signature is alpha's, over another transcript.
  toBeta = await RoguePeer.connect(`wss://127.0.0.1:${beta.peerPort}`, relayTls);
  await toBeta.hello();
  expect(await toBeta.sendProof({ ...alphaProof, node: "beta-7" })).toMatchObject({ accepted: false, closed: { code: 4401 } });
  expect(toBeta.frames).toHaveLength(0);

  const betaAfter = await waitFor("beta to count both refusals", async () => {
    const text = await beta.metrics();
    return counter(text, refused("in", "impostor")) > counter(betaBefore, refused("in", "impostor")) && counter(text, refused("in", "bad_signature")) > counter(betaBefore, refused("in", "bad_signature")) ? text : undefined;
  });
  expect(counter(betaAfter, refused("in", "impostor"))).toBeGreaterThan(0);
  expect(counter(await alpha.metrics(), refused("out", "impostor"))).toBeGreaterThan(counter(alphaBefore, refused("out", "impostor")));
  const betaPeers = (await beta.status()).peers.map((p) => p.node);
  expect(betaPeers).not.toContain("alpha-0");
  expect(betaPeers).not.toContain("beta-7");
  expect(beta.log()).toMatch(/"reason":"bad_signature"[^\n]*"msg":"peer handshake refused"/);
  onDial = () => undefined;
});

test("a dial answered with the dialer's own name is refused and counted every time, and alpha keeps dialling", async () => {
  const before = counter(await alpha.metrics(), refused("out", "self"));
  const impostorBefore = counter(await alpha.metrics(), refused("out", "impostor"));
  let answers = 0;
  // With alpha's own certificate (a stolen copy) and the name it carries: "self".
  const own = tlsOf({ authKeysFile: "", certFile: join(security.root, "alpha-0.crt"), keyFile: join(security.root, "alpha-0.key"), caFile: security.caFile });
  const selfAcceptor = await RogueAcceptor.listen(own, (connection) => void connection.answerAs("alpha-0", 5000));
  // First a beta-7 certificate answering alpha's "beta" entry with the name alpha-0: refused as an impostor, each time.
  onDial = (connection) => {
    answers++;
    void connection.answerAs("alpha-0", 5000);
  };
  try {
    await waitFor("three answers with alpha's own name to be refused", async () => (counter(await alpha.metrics(), refused("out", "impostor")) >= impostorBefore + 3 ? true : undefined), 30000);
    expect(answers).toBeGreaterThanOrEqual(3);
    const status = await alpha.status();
    expect(status.peers[0]).toMatchObject({ name: "beta", state: expect.stringMatching(/connecting|disconnected/) });
    expect(String(status.peers[0].lastError)).toMatch(/peer claims alpha-0 with the certificate of beta-7/);
    // The real "self": alpha's own certificate answering. A node configured to dial it refuses it and redials.
    const probe = new NodeProcess("alpha", join(root, "alpha-probe"), secretFile, await security.node("alpha-0"), alpha.token);
    await probe.allocatePorts();
    probe.peers = [{ name: "beta", url: selfAcceptor.url }];
    try {
      await probe.start();
      await waitFor("the probe to refuse its own name three times", async () => (counter(await probe.metrics(), refused("out", "self")) >= 3 ? true : undefined), 30000);
      const probeStatus = await probe.status();
      expect(probeStatus.peers[0]).toMatchObject({ name: "beta", state: expect.stringMatching(/connecting|disconnected/) });
      expect(String(probeStatus.peers[0].lastError)).toMatch(/answered with this node's own name alpha-0/);
      expect(probe.log()).toMatch(/"reason":"self"[^\n]*"msg":"peer handshake refused"/);
    } finally {
      await probe.stop("SIGKILL");
    }
    expect(counter(await alpha.metrics(), refused("out", "self"))).toBe(before);
  } finally {
    onDial = () => undefined;
    await selfAcceptor.close();
  }
});

test("four 200 MiB frames, and four of 60 MiB (under the authenticated frame limit), before authentication: each socket is cut, counted, and alpha's memory stays bounded", async () => {
  const pid = alpha.child?.pid;
  if (pid === undefined) throw new Error("alpha is not running");
  const before = rssBytes(pid);
  const countBefore = counter(await alpha.metrics(), refused("in", "oversize"));
  const tls = await rogueTls("gamma-4");
  // 200 MiB is beyond the 64 MiB frame limit too; 60 MiB is stopped only by the unauthenticated byte budget.
  const sizes = [200, 200, 200, 200, 60, 60, 60, 60].map((mib) => mib * 1024 * 1024);
  const written: number[] = [];
  let peak = before;
  for (const batch of [sizes.slice(0, 4), sizes.slice(4)]) {
    const peers = await Promise.all(batch.map(() => RoguePeer.connect(`wss://127.0.0.1:${alpha.peerPort}`, tls)));
    written.push(...(await Promise.all(peers.map((peer, i) => peer.streamHugeFrame(batch[i])))));
    await Promise.all(peers.map((peer) => peer.waitClosed(20000)));
    peak = Math.max(peak, rssBytes(pid));
  }
  const after = rssBytes(pid);
  process.stdout.write(`alpha RSS before ${(before / 1e6).toFixed(1)} MB, highest after a batch ${(peak / 1e6).toFixed(1)} MB, after ${(after / 1e6).toFixed(1)} MB; payload bytes written before each close: ${written.join(", ")}\n`);
  expect(peak - before).toBeLessThan(150 * 1e6);
  written.forEach((bytes, i) => expect(bytes).toBeLessThan(sizes[i]));
  await waitFor("the eight to be counted", async () => (counter(await alpha.metrics(), refused("in", "oversize")) >= countBefore + 8 ? true : undefined));
  expect((await alpha.status()).peers.map((p) => p.node)).not.toContain("gamma-4");
});

test("unauthenticated sockets beyond --peer-max-unauthenticated are refused and counted; freed slots admit again", async () => {
  const tls = await rogueTls("gamma-5");
  const url = `wss://127.0.0.1:${beta.peerPort}`;
  const held = await Promise.all(Array.from({ length: LIMITED.unauthenticated }, () => RoguePeer.connect(url, tls)));
  for (const peer of held) await peer.hello();
  // One more: TLS completes, then the node destroys the socket before any hello.
  const extra = await RoguePeer.connect(url, tls).then(
    async (peer) => ({ hello: await peer.hello(3000).then(() => true, () => false), peer }),
    () => ({ hello: false, peer: undefined }),
  );
  expect(extra.hello).toBe(false);
  extra.peer?.close();
  for (const peer of held) peer.close();
  await waitFor("the refusal to be counted", async () => (counter(await beta.metrics(), 'dsc_replication_peer_sockets_refused_total{reason="too_many_unauthenticated"}') >= 1 ? true : undefined));
  const again = await waitFor("a slot to free up", async () => {
    const peer = await RoguePeer.connect(url, tls);
    const ok = await peer.hello(3000).then(() => true, () => false);
    if (!ok) peer.close();
    return ok ? peer : undefined;
  });
  again.close();
});

test("peer sockets beyond --peer-max-connections are dropped on accept and counted", async () => {
  const sockets: net.Socket[] = [];
  const closedEarly: number[] = [];
  try {
    for (let i = 0; i < LIMITED.connections + 4; i++) {
      const socket = net.connect(beta.peerPort, "127.0.0.1");
      socket.on("error", () => undefined);
      socket.on("close", () => closedEarly.push(i));
      sockets.push(socket);
      await new Promise<void>((resolve) => socket.once("connect", () => resolve()));
    }
    await waitFor("the sockets beyond the cap to be closed", async () => (closedEarly.length >= 4 ? true : undefined), 10000);
    expect(Math.min(...closedEarly)).toBeGreaterThanOrEqual(LIMITED.connections - LIMITED.unauthenticated);
  } finally {
    for (const socket of sockets) socket.destroy();
  }
  await waitFor("the drops to be counted", async () => (counter(await beta.metrics(), 'dsc_replication_peer_sockets_refused_total{reason="too_many_connections"}') >= 4 ? true : undefined));
});

test("five slow-loris HTTP connections (a header byte a second) are closed by the header timeout and counted; /healthz answers meanwhile", async () => {
  const started = Date.now();
  const closes = await Promise.all(
    [0, 1, 2, 3, 4].map(
      (i) =>
        new Promise<{ atMs: number; bytesSent: number }>((resolve) => {
          const socket = net.connect(beta.apiPort, "127.0.0.1");
          let sent = 0;
          socket.on("error", () => undefined);
          socket.once("connect", () => {
            socket.write(`GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow-${i}: `);
          });
          const timer = setInterval(() => {
            if (sent >= 30) return;
            sent++;
            socket.write("a");
          }, 1000);
          socket.once("close", () => {
            clearInterval(timer);
            resolve({ atMs: Date.now() - started, bytesSent: sent });
          });
        }),
    ),
  );
  for (const close of closes) {
    // The header timeout (2 s) plus the node's sweep and a generous bound for a loaded machine; never the 30 s of bytes.
    expect(close.bytesSent).toBeLessThan(30);
    expect(close.atMs).toBeLessThan(20000);
  }
  expect((await fetch(`http://127.0.0.1:${beta.apiPort}/healthz`)).status).toBe(200);
  expect(counter(await beta.metrics(), 'dsc_replication_http_refused_total{reason="timeout"}')).toBeGreaterThanOrEqual(5);
});

test("HTTP connections beyond --http-max-connections are dropped and counted", async () => {
  const sockets: net.Socket[] = [];
  const closedEarly: number[] = [];
  try {
    for (let i = 0; i < LIMITED.http + 4; i++) {
      const socket = net.connect(beta.apiPort, "127.0.0.1");
      socket.on("error", () => undefined);
      socket.on("close", () => closedEarly.push(i));
      sockets.push(socket);
      await new Promise<void>((resolve) => socket.once("connect", () => resolve()));
    }
    await waitFor("the connections beyond the cap to be dropped", async () => (closedEarly.length >= 4 ? true : undefined), 1500);
  } finally {
    for (const socket of sockets) socket.destroy();
  }
  await waitFor("the drops to be counted", async () => (counter(await beta.metrics(), 'dsc_replication_http_refused_total{reason="connection_cap"}') >= 4 ? true : undefined));
});

test("after authentication: a frame beyond --peer-max-frame-bytes closes the link (counted); a burst beyond --peer-max-bytes-per-second pauses reading, the link stays up", async () => {
  const url = `wss://127.0.0.1:${beta.peerPort}`;
  // A valid frame of about `bytes`: one credential that is no certificate (refused and counted by the replica, harmless).
  const frameOf = (bytes: number): Uint8Array => encodeDataFrame({ kind: FRAME_CREDENTIALS, credentials: [new Uint8Array(bytes)] });
  const big = await dialAs(url, await rogueTls("gamma-6"), Buffer.from(SECRET));
  big.send(frameOf(LIMITED.frameBytes + 1024));
  expect((await big.waitClosed()).code).toBe(1009);
  await waitFor("the oversized frame to be counted", async () => (counter(await beta.metrics(), 'dsc_replication_peer_frames_refused_total{peer="gamma-6"}') >= 1 ? true : undefined));

  const fast = await dialAs(url, await rogueTls("gamma-7"), Buffer.from(SECRET));
  try {
    // Four frames of 48 KiB at once: 192 KiB against a 64 KiB bucket refilled at 64 KiB/s.
    for (let i = 0; i < 4; i++) fast.send(frameOf(48 * 1024));
    await waitFor("the pause to be counted", async () => (counter(await beta.metrics(), 'dsc_replication_peer_throttled_total{peer="gamma-7"}') >= 1 ? true : undefined));
    const seen = fast.frames.length;
    // Still connected, and beta still talks to it (a state report every second) once the pause is over.
    await fast.waitForFrame(() => true, 15000, seen);
    expect(fast.open).toBe(true);
    expect(counter(await beta.metrics(), 'dsc_replication_peer_throttled_seconds_total{peer="gamma-7"}')).toBeGreaterThan(0);
    expect((await beta.status()).peers.some((p) => p.node === "gamma-7" && p.state === "connected")).toBe(true);
  } finally {
    fast.close();
  }
});
