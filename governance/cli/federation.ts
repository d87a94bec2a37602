/**
 * `dsc federation up`: the whole federation on this machine, the same run as `npm start` (scripts/local-up.sh, which
 * owns every step: toolchain, clusters, chain, the local stack through the gate, the processes). The script is the
 * one implementation; this command only runs it in the foreground and hands back its exit code.
 */
import { spawn } from "node:child_process";
import path from "node:path";
import type { Command } from "commander";

const SCRIPT = path.resolve(__dirname, "..", "..", "scripts", "local-up.sh");

/** The script's arguments for the command's options. Pure. */
export function localUpArgs(o: { reset?: boolean }): string[] {
  return o.reset ? [SCRIPT, "--reset"] : [SCRIPT];
}

/** Runs the script with this terminal; Ctrl-C reaches it directly (same process group), a SIGTERM to dsc is passed on. */
function runForeground(args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn("bash", args, { stdio: "inherit" });
    const pass = (signal: NodeJS.Signals) => () => child.kill(signal);
    const onInt = () => undefined; // the script gets the terminal's SIGINT itself and stops everything
    const onTerm = pass("SIGTERM");
    process.on("SIGINT", onInt);
    process.on("SIGTERM", onTerm);
    const done = () => {
      process.off("SIGINT", onInt);
      process.off("SIGTERM", onTerm);
    };
    child.once("error", (err) => (done(), reject(err)));
    child.once("exit", (code, signal) => (done(), resolve(code ?? (signal === "SIGINT" ? 130 : 1))));
  });
}

export function federationCommands(dsc: Command): void {
  const federation = dsc.command("federation").description("the whole federation on this machine (what npm start runs)");
  federation
    .command("up")
    .description("bring up the local federation: three clusters, a loopback chain, the local stack through the gate, nodes, watchers, status page; stays until Ctrl-C")
    .option("--reset", "stop the clusters and delete the state folder first")
    .addHelpText(
      "after",
      "\nState: .state/ (or $DSC_STATE_DIR). A second run while one is up prints its summary and starts nothing.\nDSC_LOCAL_CLUSTERS=render renders YAML instead of starting clusters. Example: dsc federation up --reset",
    )
    .action(async (o: { reset?: boolean }) => {
      process.exitCode = await runForeground(localUpArgs(o));
    });
}
