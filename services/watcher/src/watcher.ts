/** Wires the detectors, the pauser and the HTTP evidence together: one watcher, as main.ts runs it. */
import { readFileSync } from "node:fs";
import { Wallet } from "ethers";
import type { Logger } from "pino";
import type { Breach } from "./breach";
import { ChainWatcher, makeProvider } from "./chain";
import type { ClusterWatcher } from "./cluster";
import { DetectorName, WatcherConfig, parseAgentKey, parseToken } from "./config";
import { buildHttp } from "./http";
import { WatcherMetrics } from "./metrics";
import { Pauser } from "./pauser";
import { ReplicationPoller } from "./replicationPoller";
import { StateStore } from "./store";

export interface RunningWatcher {
  readonly port: number;
  readonly agent: string;
  readonly metrics: WatcherMetrics;
  status(): WatcherStatusDocument;
  /** Runs one round of chain and replication checks now (tests, benchmarks); the timer keeps running too. */
  checkNow(): Promise<void>;
  stop(): Promise<void>;
}

export interface WatcherStatusDocument {
  region: string;
  agent: string;
  startedAt: string;
  ready: boolean;
  guardian: Pauser["status"];
  detectors: Record<DetectorName, { enabled: boolean; state: string; lastBreach?: Breach & { at: string }; detail?: unknown }>;
}

export async function startWatcher(config: WatcherConfig, logger: Logger): Promise<RunningWatcher> {
  const metrics = new WatcherMetrics();
  const store = new StateStore(config.stateDir);
  const provider = makeProvider(config.chain.rpcUrl);
  const wallet = new Wallet(parseAgentKey(readFileSync(config.agentKeyFile, "utf8"), config.agentKeyFile), provider);
  const pauser = new Pauser(config.region, config.chain.guardian, wallet, store, logger, metrics);
  const lastBreach: Partial<Record<DetectorName, Breach & { at: string }>> = {};
  const onBreach = (b: Breach): void => {
    if (pauser.breach(b)) lastBreach[b.detector] = { ...b, at: new Date().toISOString() };
  };
  const enabled = (d: DetectorName) => config.detectors.has(d);

  // Loaded only when drift is on: client-node is ESM, which Node's require loads but jest's module loader cannot,
  // so in-process tests of the other detectors never touch it (drift is tested through watcher processes).
  const kube = enabled("drift") ? await import("./cluster") : undefined;
  const cluster: ClusterWatcher | undefined = kube
    ? new kube.ClusterWatcher(kube.loadKubeConfig(config.kubeconfig), { region: config.region, engineManager: config.engineManager, systemManagers: config.systemManagers }, config.approvalWindowMs, store, logger.child({ detector: "drift" }), metrics, onBreach)
    : undefined;
  const chain = new ChainWatcher(
    config.region,
    config.chain,
    provider,
    store,
    logger.child({ detector: "consortium" }),
    metrics,
    { breach: onBreach, paused: (p, readAt) => pauser.observePaused(p, readAt), approvals: (times, readAt) => cluster?.approvalsRead(times, readAt) },
    enabled("consortium"),
  );
  let tokenProblem: string | undefined;
  const token = (): string | undefined => {
    if (!config.replication.tokenFile) return undefined;
    try {
      const t = parseToken(readFileSync(config.replication.tokenFile, "utf8"), config.replication.tokenFile);
      tokenProblem = undefined;
      return t;
    } catch (error) {
      if (tokenProblem === undefined) logger.error({ err: (error as Error).message }, "cannot read the replication token; polling without it");
      tokenProblem = (error as Error).message;
      return undefined;
    }
  };
  const replication = enabled("replication") && config.replication.url
    ? new ReplicationPoller(config.replication.url, config.replication.peers, token, config.divergenceBoundMs, logger.child({ detector: "replication" }), metrics, onBreach)
    : undefined;

  let stopping = false;
  let firstRound = false;
  let round: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;
  const runRound = async (): Promise<void> => {
    await Promise.all([chain.poll(), replication?.poll()]);
    firstRound = true;
  };
  const checkNow = (): Promise<void> => (round ??= runRound().finally(() => (round = undefined)));
  const loop = (): void => {
    if (stopping) return;
    timer = setTimeout(() => void checkNow().finally(loop), config.pollIntervalMs);
  };

  const startedAt = new Date().toISOString();
  const ready = () => !stopping && firstRound && chain.status.lastPollAt !== undefined && (cluster === undefined || cluster.status.synced);
  const status = (): WatcherStatusDocument => ({
    region: config.region,
    agent: wallet.address,
    startedAt,
    ready: ready(),
    guardian: pauser.status,
    detectors: {
      drift: { enabled: cluster !== undefined, state: cluster === undefined ? "off" : cluster.status.lastError ? "error" : cluster.status.synced ? "watching" : "starting", lastBreach: lastBreach.drift, detail: cluster?.status },
      replication: {
        enabled: replication !== undefined,
        state: replication === undefined ? "off" : replication.status.nodeError || tokenProblem ? "error" : replication.status.lastPollAt ? "polling" : "starting",
        lastBreach: lastBreach.replication,
        detail: replication ? { ...replication.status, tokenProblem } : undefined,
      },
      consortium: { enabled: enabled("consortium"), state: !enabled("consortium") ? "off" : chain.status.lastError ? "error" : chain.status.judgedThrough !== undefined ? "polling" : "starting", lastBreach: lastBreach.consortium, detail: chain.status },
    },
  });

  const app = buildHttp({ logger, metrics, status, isReady: ready });
  await app.listen({ host: config.listen.host, port: config.listen.port });
  const port = (app.server.address() as { port: number }).port;
  try {
    await cluster?.start();
  } catch (error) {
    await app.close();
    throw new Error(`cannot list the cluster's objects: ${(error as Error).message}`, { cause: error });
  }
  await checkNow();
  loop();
  logger.info({ port, agent: wallet.address, detectors: [...config.detectors] }, "watcher started");

  return {
    port,
    agent: wallet.address,
    metrics,
    status,
    checkNow,
    async stop() {
      stopping = true;
      clearTimeout(timer);
      await round;
      await Promise.all([cluster?.stop(), pauser.stop()]);
      await app.close();
      provider.destroy();
    },
  };
}
