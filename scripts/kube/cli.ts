/**
 * `npm run kube -- up|down|status [--root DIR] [--regions a,b]`: the local clusters, one per region of the
 * `local` stack (the regions of `dsc:local.regions` in Pulumi.local.yaml), under `.state/kube/` by default.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { Command } from "commander";
import { parse } from "yaml";
import { DEFAULT_KUBE_ROOT, PROJECT_ROOT, localClustersStatus, startLocalClusters, stopLocalClusters } from "./index";
import { formatStarted, formatStatus, formatStopped } from "./report";

/** The regions of the committed local stack: the one list of them this command follows. */
export function localStackRegions(stackFile = path.join(PROJECT_ROOT, "Pulumi.local.yaml")): string[] {
  const doc = parse(fs.readFileSync(stackFile, "utf8")) as { config?: Record<string, { regions?: Record<string, unknown> }> };
  const regions = Object.keys(doc.config?.["dsc:local"]?.regions ?? {});
  if (regions.length === 0) throw new Error(`${stackFile}: no regions under dsc:local.regions`);
  return regions;
}

interface Options {
  root: string;
  regions?: string;
}

function resolve(opts: Options): { root: string; regions: string[] } {
  return { root: path.resolve(opts.root), regions: opts.regions ? opts.regions.split(",").map((r) => r.trim()) : localStackRegions() };
}

async function main(argv: string[]): Promise<void> {
  const program = new Command("kube").description("Local Kubernetes clusters, one per region, on loopback (scripts/README.md)");
  const common = (cmd: Command) =>
    cmd.option("--root <dir>", "folder with one subfolder per region", DEFAULT_KUBE_ROOT).option("--regions <list>", "comma-separated regions (default: those of Pulumi.local.yaml)");
  common(program.command("up").description("start the clusters (running ones are kept) and wait until each is ready")).action(async (opts: Options) => {
    const started = Date.now();
    const clusters = await startLocalClusters(resolve(opts));
    console.log(formatStarted(Object.values(clusters), path.join(PROJECT_ROOT, ".toolchain", "bin", "kubectl"), (Date.now() - started) / 1000));
  });
  common(program.command("down").description("stop the clusters; their objects stay on disk")).action(async (opts: Options) => {
    console.log(formatStopped(await stopLocalClusters(resolve(opts))));
  });
  common(program.command("status").description("where each cluster is and what runs; exit 1 unless every API server is ready")).action(async (opts: Options) => {
    const statuses = await localClustersStatus(resolve(opts));
    console.log(formatStatus(statuses));
    if (!statuses.every((s) => s.apiReady)) process.exitCode = 1;
  });
  await program.parseAsync(argv);
}

if (require.main === module) {
  main(process.argv).catch((err: Error) => {
    console.error(`kube: ${err.message}`);
    process.exitCode = 1;
  });
}
