/** The step summary people read before they sign: per region and operation, then every step with its rule. Pure. */
import type { Classification } from "./classify";

export interface Summary {
  stack: string;
  tier: string;
  regions: string[];
  counts: Record<string, Record<string, number>>;
  unchanged: number;
  steps: Classification["steps"];
}

export function summarize(stack: string, c: Classification): Summary {
  const counts: Record<string, Record<string, number>> = {};
  for (const s of c.steps) {
    const region = s.region ?? "(no region)";
    counts[region] ??= {};
    counts[region][s.operation] = (counts[region][s.operation] ?? 0) + 1;
  }
  return { stack, tier: c.tier ?? "none", regions: c.regions, counts, unchanged: c.unchanged, steps: c.steps };
}

export function summaryMarkdown(s: Summary, header: { digest: string; safeMessageHash: string; expiry: number }): string {
  const lines = [
    `# Change to stack \`${s.stack}\`: tier **${s.tier}**, regions ${s.regions.join(", ")}`,
    "",
    `Manifest digest \`${header.digest}\`; owners sign the Consortium Safe message hash \`${header.safeMessageHash}\`.`,
    `Expires ${new Date(header.expiry * 1000).toISOString()}. ${s.unchanged} resources unchanged.`,
    "",
    "| region | " + ["create", "update", "replace", "delete", "read"].join(" | ") + " |",
    "| --- | --- | --- | --- | --- | --- |",
    ...Object.entries(s.counts).map(([r, c]) => `| ${r} | ${["create", "update", "replace", "delete", "read"].map((o) => c[o] ?? 0).join(" | ")} |`),
    "",
    "| step | resource | type | region | changed paths | tier | rule |",
    "| --- | --- | --- | --- | --- | --- | --- |",
    ...s.steps.map((st) => `| ${st.operation} | ${st.name} | ${st.type} | ${st.region ?? "-"} | ${st.paths.map((p) => `\`${p}\``).join(" ") || "-"} | ${st.tier} | ${st.rule}: ${st.reason} |`),
    "",
  ];
  return lines.join("\n");
}
