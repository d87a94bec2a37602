/**
 * The top costs of a V8 CPU profile (`node --cpu-prof`): self time by function and by module, the
 * two views the replication benchmark prints. Hand-written because the profile format is a plain
 * JSON tree and the summary is a few lines; the tools that read it (DevTools, speedscope) are
 * interactive viewers, not libraries.
 */
export interface CpuProfile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number }; hitCount?: number }>;
  startTime: number;
  endTime: number;
}

export interface Cost {
  readonly name: string;
  /** Share of the sampled time (idle excluded), 0..1. */
  readonly share: number;
}

/** Samples the VM spends waiting for I/O: not a cost of this code. */
const IDLE = "(idle)";

/** `node_modules/<pkg>`, `node:<internal module>`, or the file name of our own code. */
export function moduleOf(url: string, functionName: string): string {
  if (url === "") return functionName.startsWith("(") ? functionName : "(native)";
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1];
  if (url.startsWith("node:")) return url.replace(/^node:(internal\/)?/, "node:").replace(/\/.*$/, "");
  return url.replace(/^file:\/\//, "").split("/").pop() ?? url;
}

function top(costs: Map<string, number>, total: number, n: number): Cost[] {
  return [...costs]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, n)
    .map(([name, hits]) => ({ name, share: total === 0 ? 0 : hits / total }));
}

/** The n largest self-time costs by function (`name file:line`) and by module. */
export function topCosts(profile: CpuProfile, n = 5): { functions: Cost[]; modules: Cost[] } {
  const functions = new Map<string, number>();
  const modules = new Map<string, number>();
  let total = 0;
  for (const { callFrame, hitCount = 0 } of profile.nodes) {
    if (callFrame.functionName === IDLE || hitCount === 0) continue;
    total += hitCount;
    const file = callFrame.url === "" ? "" : ` ${moduleOf(callFrame.url, "")}:${callFrame.lineNumber + 1}`;
    const fn = `${callFrame.functionName || "(anonymous)"}${file}`;
    functions.set(fn, (functions.get(fn) ?? 0) + hitCount);
    const mod = moduleOf(callFrame.url, callFrame.functionName);
    modules.set(mod, (modules.get(mod) ?? 0) + hitCount);
  }
  return { functions: top(functions, total, n), modules: top(modules, total, n) };
}

export function formatCosts(costs: Cost[]): string {
  return costs.map((c) => `${c.name} ${(c.share * 100).toFixed(1)}%`).join("; ");
}
