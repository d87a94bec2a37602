/** What `npm run kube` prints: where each cluster is and how to point kubectl at it. Pure wording. */
import * as path from "node:path";
import { ClusterInfo, ClusterStatus } from "./cluster";
import { Component } from "./layout";
import { ProcessState } from "./process";

export function formatStarted(clusters: ClusterInfo[], kubectl: string, seconds: number): string {
  const lines = [`local clusters ready in ${seconds.toFixed(1)} s:`];
  for (const c of clusters) {
    const how = c.reused.length === 5 ? "already running, kept" : c.reused.length > 0 ? `kept ${c.reused.join(", ")}; started the rest` : "started";
    lines.push(`  ${c.region}: ${c.server} (${how})`);
    for (const note of c.notes) lines.push(`    note: ${note}`);
    lines.push(`    kubectl: ${kubectl} --kubeconfig ${c.kubeconfig} get pods -A`);
  }
  const first = clusters[0]?.kubeconfig ?? "<root>/<region>/kubeconfig";
  lines.push("", "or in a shell, for one region:", `  export KUBECONFIG=${first}`);
  lines.push("the local stack applies to them with:", `  dsc:localKubeconfigDir: ${path.dirname(path.dirname(first))}`);
  return lines.join("\n");
}

function describeState(state: ProcessState): string {
  switch (state.kind) {
    case "running":
      return `running (pid ${state.pid})`;
    case "stopped":
      return "stopped";
    case "stale":
      return `stale pid file: ${state.reason}`;
  }
}

const mib = (bytes: number) => `${Math.round(bytes / 1024 / 1024)} MiB`;

function total(s: ClusterStatus, kind: "rss" | "pss"): number {
  return Object.values(s.memory).reduce<number>((sum, m) => sum + (m?.[kind] ?? 0), 0);
}

export function formatStatus(statuses: ClusterStatus[]): string {
  const lines: string[] = [];
  for (const s of statuses) {
    if (!s.exists) {
      lines.push(`${s.region}: not created yet (npm run kube -- up)`);
      continue;
    }
    lines.push(`${s.region}: ${s.server} — API ${s.apiReady ? "ready" : "not answering"}; kubeconfig ${s.kubeconfig} (context ${s.context})`);
    for (const [component, state] of Object.entries(s.components) as [Component, ProcessState][]) {
      const m = s.memory[component];
      lines.push(`  ${component}: ${describeState(state)}${m !== undefined ? `, RSS ${mib(m.rss)} (PSS ${mib(m.pss)})` : ""}`);
    }
    lines.push(`  together: RSS ${mib(total(s, "rss"))}, PSS ${mib(total(s, "pss"))}`);
  }
  const sum = (kind: "rss" | "pss") => statuses.reduce((n, s) => n + total(s, kind), 0);
  if (statuses.length > 1) lines.push(`all clusters: RSS ${mib(sum("rss"))}, PSS ${mib(sum("pss"))} (shared code pages counted once)`);
  return lines.join("\n");
}

export function formatStopped(results: Record<string, { stopped: Component[]; killed: Component[] }>): string {
  return Object.entries(results)
    .map(([region, r]) => {
      if (r.stopped.length === 0) return `${region}: nothing was running`;
      const killed = r.killed.length > 0 ? `; killed after the grace period: ${r.killed.join(", ")}` : "";
      return `${region}: stopped ${r.stopped.join(", ")}${killed} (objects kept; up starts it again)`;
    })
    .join("\n");
}
