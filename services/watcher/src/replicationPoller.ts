/** The replication edge: polls this region's node and its peers' status endpoints and folds them into the rule. */
import type { Logger } from "pino";
import { z } from "zod";
import type { Breach } from "./breach";
import type { PeerEndpoint } from "./config";
import type { WatcherMetrics } from "./metrics";
import { NodeStatus, PairState, PairTrack, observePair, stepPair } from "./rules/replication";

export const STATUS_PATH = "/v1/replication/status";
const REQUEST_TIMEOUT_MS = 5000;

const statusSchema = z.object({
  node: z.string(),
  digest: z.string(),
  peers: z.array(z.object({ node: z.string().optional(), state: z.string(), behindOps: z.number().optional(), lastStateAgeMs: z.number().optional() }).loose()),
}).loose();

export interface PeerReport {
  name: string;
  url: string;
  node?: string;
  state: PairState["kind"];
  since: string;
  detail?: string;
}

export interface ReplicationStatus {
  node?: string;
  nodeError?: string;
  peers: PeerReport[];
  lastPollAt?: string;
}

/** Fetches one node's status; any failure (network, HTTP status, shape) is an error message, never a throw. */
export async function fetchStatus(baseUrl: string, token: string | undefined): Promise<NodeStatus | { error: string }> {
  try {
    const response = await fetch(`${baseUrl}${STATUS_PATH}`, { headers: token ? { authorization: `Bearer ${token}` } : {}, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    if (!response.ok) return { error: `HTTP ${response.status} from ${baseUrl}${STATUS_PATH}${response.status === 401 || response.status === 403 ? " (check the replication token and its status scope)" : ""}` };
    const parsed = statusSchema.safeParse(await response.json());
    return parsed.success ? parsed.data : { error: `unexpected status document from ${baseUrl}: ${parsed.error.issues[0]?.message}` };
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    return { error: `${baseUrl}: ${cause ?? (error as Error).message}` };
  }
}

export class ReplicationPoller {
  readonly status: ReplicationStatus = { peers: [] };
  private readonly tracks = new Map<string, PairTrack>();

  constructor(
    private readonly selfUrl: string,
    private readonly peers: readonly PeerEndpoint[],
    private readonly token: () => string | undefined,
    private readonly boundMs: number,
    private readonly logger: Logger,
    private readonly metrics: WatcherMetrics,
    private readonly breach: (b: Breach) => void,
  ) {}

  async poll(now = Date.now()): Promise<void> {
    const token = this.token();
    const [self, ...peerStatuses] = await Promise.all([fetchStatus(this.selfUrl, token), ...this.peers.map((p) => fetchStatus(p.url, token))]);
    this.metrics.checks.inc({ detector: "replication" });
    this.status.lastPollAt = new Date(now).toISOString();
    if ("error" in self) {
      this.metrics.apiErrors.inc({ api: "replication" });
      if (this.status.nodeError !== self.error) this.logger.warn({ err: self.error }, "this region's replication node does not answer");
      this.status.nodeError = self.error;
      this.status.peers = this.peers.map((p) => ({ name: p.name, url: p.url, state: "unreachable", since: this.since(p.name, "unreachable", now), detail: `own node: ${self.error}` }));
      for (const p of this.peers) this.tracks.delete(p.name);
      this.publish();
      return;
    }
    this.status.node = self.node;
    this.status.nodeError = undefined;
    this.status.peers = this.peers.map((peer, i) => {
      const theirs = peerStatuses[i];
      if ("error" in theirs) this.metrics.apiErrors.inc({ api: "replication" });
      const state = observePair(self, theirs);
      const peerNode = "error" in theirs ? undefined : theirs.node;
      const step = stepPair(this.tracks.get(peer.name) ?? {}, state, now, this.boundMs, { self: self.node, peer: peerNode ?? peer.name });
      this.tracks.set(peer.name, step.track);
      const previous = this.status.peers.find((r) => r.name === peer.name)?.state;
      if (previous !== state.kind) this.logger.info({ peer: peer.name, state: state.kind, detail: detailOf(state) }, "replication peer state");
      if (step.breach) this.breach(step.breach);
      return { name: peer.name, url: peer.url, node: peerNode, state: state.kind, since: this.since(peer.name, state.kind, now), detail: detailOf(state) };
    });
    this.publish();
  }

  private readonly sinceOf = new Map<string, { state: string; at: number }>();

  private since(peer: string, state: string, now: number): string {
    const known = this.sinceOf.get(peer);
    if (known?.state !== state) this.sinceOf.set(peer, { state, at: now });
    return new Date(this.sinceOf.get(peer)!.at).toISOString();
  }

  private publish(): void {
    this.metrics.peerState.reset();
    for (const p of this.status.peers) this.metrics.peerState.set({ peer: p.name, state: p.state }, 1);
  }
}

function detailOf(state: PairState): string | undefined {
  switch (state.kind) {
    case "unreachable":
      return state.error;
    case "lagging":
      return state.behindOps === undefined ? "waiting for fresh state reports" : `${state.behindOps} operations not yet seen by one side`;
    case "diverged":
      return `digests ${state.digests[0].slice(0, 12)}… vs ${state.digests[1].slice(0, 12)}…`;
    default:
      return undefined;
  }
}
