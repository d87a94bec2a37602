import { Counter, Gauge, Histogram, collectDefaultMetrics, Registry } from "prom-client";
import type { Logger } from "pino";
import { ReplicaObserver } from "./replica";

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
  readonly authRefusals = new Counter({ name: "dsc_replication_auth_refusals_total", help: "Data API requests refused for their credential (401) or its scope (403), by cause", labelNames: ["status", "reason"] as const, registers: [this.registry] });

  readonly replicationLag = new Histogram({
    name: "dsc_replication_lag_seconds",
    help: "Time from a write at its origin (its HLC wall clock) until it is applied here",
    buckets: [0.005, 0.01, 0.02, 0.03, 0.05, 0.075, 0.1, 0.15, 0.2, 0.25, 0.5, 1, 2, 5],
    registers: [this.registry],
  });
  readonly storageErrors = new Counter({ name: "dsc_replication_storage_errors_total", help: "Failed commits or compactions of the update log", registers: [this.registry] });

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
}
