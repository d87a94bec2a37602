import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

/** Prometheus metrics of one watcher, on their own registry so several watchers can share a process (tests). */
export class WatcherMetrics {
  readonly registry = new Registry();
  readonly breaches = new Counter({ name: "dsc_watcher_breaches_total", help: "Breaches found, by detector", labelNames: ["detector"] as const, registers: [this.registry] });
  readonly checks = new Counter({ name: "dsc_watcher_checks_total", help: "Checks run (chain polls, replication polls, cluster events judged), by detector", labelNames: ["detector"] as const, registers: [this.registry] });
  readonly chainErrors = new Counter({ name: "dsc_watcher_chain_errors_total", help: "Failed chain requests (reads and pause transactions)", registers: [this.registry] });
  readonly apiErrors = new Counter({ name: "dsc_watcher_api_errors_total", help: "Failed Kubernetes or replication API requests", labelNames: ["api"] as const, registers: [this.registry] });
  readonly pauses = new Counter({ name: "dsc_watcher_pause_attempts_total", help: "Guardian.pause attempts, by outcome", labelNames: ["outcome"] as const, registers: [this.registry] });
  readonly paused = new Gauge({ name: "dsc_watcher_guardian_paused", help: "1 when the Guardian reports the federation paused", registers: [this.registry] });
  readonly peerState = new Gauge({ name: "dsc_watcher_replication_peer_state", help: "1 for the current state of each replication peer pair", labelNames: ["peer", "state"] as const, registers: [this.registry] });
  readonly pendingDrift = new Gauge({ name: "dsc_watcher_drift_pending", help: "Engine changes waiting for the chain to be read past them", registers: [this.registry] });
  readonly detectionSeconds = new Histogram({
    name: "dsc_watcher_pause_seconds",
    help: "From a breach found to the pause transaction mined",
    buckets: [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60],
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }
}
