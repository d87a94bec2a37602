import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Logger } from "pino";
import { TokenVerifier } from "./auth";
import { NodeConfig, parseSecret } from "./config";
import { buildApi } from "./http";
import { nodeName } from "./identity";
import { ReplicationMetrics } from "./metrics";
import { loadPeerTls } from "./peerTls";
import { PeerTransport } from "./peerTransport";
import { Replica } from "./replica";
import { WorkerLog } from "./workerLog";
import { CaTrust } from "./writerTrust";

export interface RunningNode {
  readonly apiPort: number;
  readonly peerPort: number;
  /** Graceful stop: refuse new work, persist what is pending, close peers and storage. */
  stop(): Promise<void>;
}

/** Opens the data folder, restores the stored CRDT state, then serves the API and the peers. */
export async function startNode(config: NodeConfig, logger: Logger): Promise<RunningNode> {
  const name = nodeName(config.id);
  const secret = parseSecret(readFileSync(config.secretFile, "utf8"), config.secretFile);
  const tls = loadPeerTls(config.tls);
  mkdirSync(config.dataDir, { recursive: true });
  const verifier = new TokenVerifier(config.authKeysFile, { logger });
  const started = Date.now();
  const metrics = new ReplicationMetrics(logger);
  const replica = new Replica({
    self: config.id,
    log: new WorkerLog(join(config.dataDir, "replication.sqlite")),
    observer: metrics,
    // This node signs its updates with its peer TLS key; writers' certificates are checked against the CA.
    trust: new CaTrust(tls),
    limits: { maxClockSkewMs: config.maxClockSkewMs, maxClientsPerWriterShard: config.maxClientIds },
  });
  logger.info({ node: name, keys: replica.store.keyCount(), restoreMs: Date.now() - started }, "restored from stored CRDT state");

  let ready = false;
  const transport = new PeerTransport({ replica, self: name, secret, tls, peers: config.peers, logger, metrics, limits: config.peerLimits });
  const api = buildApi({
    replica,
    node: { region: config.id.region, replica: config.id.replica, name },
    metrics,
    logger,
    authenticate: (authorization) => verifier.verify(authorization),
    peers: () => transport.status(),
    isReady: () => ready,
    limits: config.httpLimits,
  });
  const peerPort = await transport.listen(config.peerListen.host, config.peerListen.port);
  await api.listen({ host: config.api.host, port: config.api.port });
  const address = api.server.address();
  const apiPort = typeof address === "object" && address ? address.port : config.api.port;
  transport.startDialing();
  ready = true;
  logger.info({ node: name, apiPort, peerPort, peers: config.peers.map((p) => p.name), startMs: Date.now() - started }, "node ready");

  return {
    apiPort,
    peerPort,
    async stop() {
      ready = false;
      await api.close();
      replica.flush();
      await transport.close();
      await replica.close();
      verifier.close();
      logger.info({ node: name }, "node stopped");
    },
  };
}
