import { Counter, Gauge, Histogram, collectDefaultMetrics, Registry } from "prom-client";
import type { Logger } from "pino";
import { Refusal, ReplicaObserver } from "./replica";

/** Prometheus metrics of one node, on their own registry so several nodes can share a process. */
export class ReplicationMetrics implements ReplicaObserver {
  readonly registry = new Registry();
  readonly writes = new Counter({ name: "dsc_replication_writes_total", help: "Acknowledged writes by operation", labelNames: ["op"] as const, registers: [this.registry] });
  readonly rejected = new Counter({ name: "dsc_replication_rejected_requests_total", help: "Requests refused with a 4xx, by status", labelNames: ["status"] as const, registers: [this.registry] });
  readonly commitWrites = new Histogram({ name: "dsc_replication_commit_writes", help: "Writes acknowledged per group commit", buckets: [0, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000], registers: [this.registry] });
  readonly commitSeconds = new Histogram({ name: "dsc_replication_commit_seconds", help: "Duration of a group commit (SQLite transaction with fsync, then forwarding)", buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.5], registers: [this.registry] });
  readonly compactions = new Counter({ name: "dsc_replication_compactions_total", help: "Shard snapshots written", registers: [this.registry] });
  readonly peersConnected = new Gauge({ name: "dsc_replication_peers_connected", help: "Authenticated peer connections", registers: [this.registry] });
  readonly authFailures = new Counter({ name: "dsc_replication_peer_auth_failures_total", help: "Peer connections refused during authentication", labelNames: ["reason"] as const, registers: [this.registry] });
  readonly tlsRefusals = new Counter({ name: "dsc_replication_peer_tls_refusals_total", help: "Peer TLS sessions refused: no certificate or not from the federation CA (in), a peer's certificate not from it (out), failed handshakes", labelNames: ["direction", "reason"] as const, registers: [this.registry] });
  readonly handshakeRefusals = new Counter({ name: "dsc_replication_peer_handshake_refused_total", help: "Peer handshakes refused, by direction (in: we accepted the socket, out: we dialled) and reason (impostor, self, wrong_peer, bad_signature, bad_secret, bad_certificate, protocol, malformed, binary, oversize, timeout, no_session_binding)", labelNames: ["direction", "reason"] as const, registers: [this.registry] });
  readonly peerSocketRefusals = new Counter({ name: "dsc_replication_peer_sockets_refused_total", help: "Peer sockets refused on arrival: too_many_unauthenticated (--peer-max-unauthenticated) or too_many_connections (--peer-max-connections)", labelNames: ["reason"] as const, registers: [this.registry] });
  readonly peerFrameRefusals = new Counter({ name: "dsc_replication_peer_frames_refused_total", help: "Connections of authenticated peers closed for a frame beyond --peer-max-frame-bytes", labelNames: ["peer"] as const, registers: [this.registry] });
  readonly peerThrottles = new Counter({ name: "dsc_replication_peer_throttled_total", help: "Times reading from a peer was paused for exceeding --peer-max-bytes-per-second", labelNames: ["peer"] as const, registers: [this.registry] });
  readonly peerThrottledSeconds = new Counter({ name: "dsc_replication_peer_throttled_seconds_total", help: "Time reading from a peer was paused by the rate limit", labelNames: ["peer"] as const, registers: [this.registry] });
  readonly httpRefusals = new Counter({ name: "dsc_replication_http_refused_total", help: "Data API connections closed by a limit: timeout (request or header timeout, e.g. slow loris), connection_cap (--http-max-connections), client_error (malformed or oversized request head)", labelNames: ["reason"] as const, registers: [this.registry] });
  readonly authRefusals = new Counter({ name: "dsc_replication_auth_refusals_total", help: "Data API requests refused for their credential (401) or its scope (403), by cause", labelNames: ["status", "reason"] as const, registers: [this.registry] });

  readonly replicationLag = new Histogram({
    name: "dsc_replication_lag_seconds",
    help: "Time from a write at its origin (its HLC wall clock) until it is applied here",
    buckets: [0.005, 0.01, 0.02, 0.03, 0.05, 0.075, 0.1, 0.15, 0.2, 0.25, 0.5, 1, 2, 5],
    registers: [this.registry],
  });
  readonly storageErrors = new Counter({ name: "dsc_replication_storage_errors_total", help: "Failed commits or compactions of the update log", registers: [this.registry] });
  readonly refusedUpdates = new Counter({ name: "dsc_replication_refused_updates_total", help: "Peer envelopes or writer certificates refused before anything was applied, by reason (bad_signature, unknown_writer, shape, value, clock_ahead, counter_range, oversize, client_ids, content, malformed, bad_credential, apply_failed)", labelNames: ["reason", "peer"] as const, registers: [this.registry] });
  readonly clockBreaches = new Counter({ name: "dsc_replication_clock_breaches_total", help: "Peer versions refused for a clock beyond the allowed skew or a counter out of range (a breach for the watcher)", labelNames: ["peer", "writer"] as const, registers: [this.registry] });
  readonly badSlots = new Counter({ name: "dsc_replication_bad_slots_total", help: "Slots read from the CRDT that failed their shape check and were ignored", registers: [this.registry] });
  readonly digestMismatches = new Counter({ name: "dsc_replication_digest_mismatches_total", help: "Anti-entropy: a shard's digest differed from a peer's under equal state vectors (persistent=true after a resync did not cure it)", labelNames: ["peer", "persistent"] as const, registers: [this.registry] });
  readonly internalErrors = new Counter({ name: "dsc_replication_internal_errors_total", help: "Errors caught in a commit, forward, compaction or peer frame instead of stopping the process", labelNames: ["where"] as const, registers: [this.registry] });
  private lastBadSlotLog = 0;
  private readonly lastRefusalLog = new Map<string, number>();

  constructor(private readonly logger?: Logger) {
    collectDefaultMetrics({ register: this.registry });
  }

  replicated(lagMs: number): void {
    this.replicationLag.observe(Math.max(0, lagMs) / 1000);
  }

  storageFailed(error: Error): void {
    this.storageErrors.inc();
    this.logger?.error({ err: error }, "update log write failed; affected writes were not acknowledged");
  }

  flushed(_updates: number, writes: number, seconds: number): void {
    this.commitWrites.observe(writes);
    this.commitSeconds.observe(seconds);
  }

  compacted(): void {
    this.compactions.inc();
  }

  refused(reason: Refusal, peer: string, writer: string, detail: string): void {
    this.refusedUpdates.inc({ reason, peer });
    if (reason === "clock_ahead" || reason === "counter_range") this.clockBreaches.inc({ peer, writer });
    const now = Date.now();
    if (now - (this.lastRefusalLog.get(reason) ?? 0) < 1000) return;
    this.lastRefusalLog.set(reason, now);
    this.logger?.warn({ peer, writer, reason, detail }, "peer update refused; nothing of it was applied (logged at most once a second per reason)");
  }

  badSlot(writer: string, key: string, detail: string): void {
    this.badSlots.inc();
    const now = Date.now();
    if (now - this.lastBadSlotLog < 1000) return;
    this.lastBadSlotLog = now;
    this.logger?.warn({ writer, key, detail }, "slot with a bad shape ignored");
  }

  digestMismatch(peer: string, shard: number, persistent: boolean): void {
    this.digestMismatches.inc({ peer, persistent: String(persistent) });
    if (persistent) this.logger?.error({ peer, shard }, "digest differs from the peer's under equal state vectors after a resync");
    else this.logger?.warn({ peer, shard }, "digest differs from the peer's under equal state vectors; asking it for a resync");
  }

  internalError(error: Error, where: string): void {
    this.internalErrors.inc({ where: where.split(" ")[0] });
    this.logger?.error({ err: error, where }, "internal error caught; the node goes on");
  }
}
