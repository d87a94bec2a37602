/**
 * The real engine's verdict on a stack the mocked program registered: write the synthesized checkpoint to a
 * temporary file and run `pulumi policy analyze --file` on it with this pack and the stack's policy config.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ResourceRecord } from "../evaluate";
import { checkpointOf } from "../state";

const POLICY_DIR = path.resolve(__dirname, "..");

export interface EngineVerdict {
  /** The CLI's exit code: 0 clean, 1 on a mandatory violation (or a failure to run, see output). */
  code: number;
  output: string;
}

export async function analyzeWithEngine(stack: string, records: ResourceRecord[]): Promise<EngineVerdict> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `dsc-policy-${stack}-`));
  const file = path.join(dir, "state.json");
  fs.writeFileSync(file, JSON.stringify(checkpointOf(records)));
  try {
    return await run(path.join(POLICY_DIR, "engine", "with-policy-host.sh"), [
      "pulumi", "policy", "analyze", "--non-interactive", "--color", "never", "--file", file,
      "--policy-pack", POLICY_DIR, "--policy-pack-config", path.join(POLICY_DIR, "config", `${stack}.json`),
    ]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function run(command: string, args: string[]): Promise<EngineVerdict> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => { output += chunk.toString(); });
    child.stderr.on("data", (chunk: Buffer) => { output += chunk.toString(); });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? 1, output }));
  });
}
