/**
 * The pack on a real preview of the project's program: the plain `pulumi` CLI with only the toolchain's PATH
 * (.toolchain/bin and .toolchain/language-host), as in a shell after `. scripts/pulumi-env.sh`. The CLI starts
 * the one Node.js language host for the program and again for the pack (scripts/language-host). The stack
 * lives in a temporary backend; the committed Pulumi.local.yaml is copied, never written.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { DEV_KEYS } from "../../governance/consortium/dev-keys";
import { configSetAllArgs, ensureLocalTrust, ensureWatcherToken } from "../../scripts/local-config";
import { engineEnv } from "../../test/engine/engineStack";
import { PROJECT_ROOT, requireToolchain } from "../../test/engine/toolchain";
import { stackRecords } from "../testing/program";
import { EngineVerdict, run } from "./analyze";

/** The committed salt in Pulumi.local.yaml belongs to this passphrase (scripts/pulumi-env.sh). */
const LOCAL_PASSPHRASE = "dsc-local-stack";
const PREVIEW_TIMEOUT_MS = 150_000;

interface LocalPreview {
  scratch: string;
  configFile: string;
  pulumi(args: string[]): Promise<EngineVerdict>;
}

/** A `local` stack in a temporary backend, with the run-time settings scripts/local-config.ts would add. */
async function localStack(): Promise<LocalPreview> {
  const toolchainRoot = requireToolchain();
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "dsc-policy-preview-"));
  fs.mkdirSync(path.join(scratch, "backend"));
  fs.mkdirSync(path.join(scratch, "home"));
  const env = {
    ...process.env,
    ...engineEnv(toolchainRoot, scratch),
    PULUMI_CONFIG_PASSPHRASE: LOCAL_PASSPHRASE,
    // The program only (the pack is type-checked by run-policy-pack whatever this says): saves ~20 s a preview.
    PULUMI_NODEJS_TRANSPILE_ONLY: "true",
  };
  const pulumi = (args: string[]) => run("pulumi", args, env, PROJECT_ROOT);
  const configFile = path.join(scratch, "Pulumi.local.yaml");
  fs.copyFileSync(path.join(PROJECT_ROOT, "Pulumi.local.yaml"), configFile);
  for (const args of [
    ["stack", "init", "local", "--secrets-provider", "passphrase", "--non-interactive"],
    ["config", "set-all", "-s", "local", "--config-file", configFile,
      ...configSetAllArgs({
        agentKeys: DEV_KEYS.agents, peerSecret: "e".repeat(64), rpcUrl: "http://127.0.0.1:8545",
        trust: await ensureLocalTrust(path.join(scratch, "trust")), watcherToken: await ensureWatcherToken(path.join(scratch, "trust")),
      }),
      "--plaintext", `dsc:local.renderRoot=${path.join(scratch, "rendered")}`],
  ]) {
    const result = await pulumi(args);
    if (result.code !== 0) throw new Error(`pulumi ${args.slice(0, 2).join(" ")} failed:\n${result.output}`);
  }
  return { scratch, configFile, pulumi };
}

function previewArgs(configFile: string, policyConfig: string): string[] {
  return ["preview", "-s", "local", "--config-file", configFile, "--non-interactive", "--color", "never",
    "--policy-pack", "policy", "--policy-pack-config", policyConfig];
}

describe("the pack on `pulumi preview -s local --policy-pack policy` (plain CLI, toolchain PATH)", () => {
  let stack: LocalPreview | undefined;
  afterEach(() => stack && fs.rmSync(stack.scratch, { recursive: true, force: true }));

  it("reports the local config's advisory findings and passes; the same findings made mandatory fail it", async () => {
    stack = await localStack();
    const advisory = await stack.pulumi(previewArgs(stack.configFile, "policy/config/local.json"));
    expect(advisory.output).toContain(`using pulumi-language-nodejs from $PATH at ${path.join(PROJECT_ROOT, ".toolchain", "language-host")}`);
    // The real engine creates exactly what the program registers under the mock runtime.
    expect(advisory.output).toMatch(new RegExp(`\\+ ${(await stackRecords("local")).length} to create`));
    const findings = advisory.output.match(/- \[(advisory|mandatory)\]\s+\S+/g) ?? [];
    expect(findings.length).toBeGreaterThan(0);
    expect(new Set(findings.map((f) => f.replace(/\s+/g, " ")))).toEqual(new Set(["- [advisory] replication-layer"]));
    expect(advisory.output).toMatch(/PodDisruptionBudget "alpha-replication-pdb" lets 1 of 1 replicas go at once/);
    expect(advisory.code).toBe(0);

    const strict = path.join(stack.scratch, "strict.json");
    const local = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, "policy", "config", "local.json"), "utf8")) as Record<string, object>;
    fs.writeFileSync(strict, JSON.stringify({ ...local, "replication-layer": { enforcementLevel: "mandatory" } }));
    const broken = await stack.pulumi(previewArgs(stack.configFile, strict));
    expect(broken.code).not.toBe(0);
    const brokenFindings = broken.output.match(/- \[(advisory|mandatory)\]\s+\S+/g) ?? [];
    expect(brokenFindings).toHaveLength(findings.length);
    expect(new Set(brokenFindings.map((f) => f.replace(/\s+/g, " ")))).toEqual(new Set(["- [mandatory] replication-layer"]));
    expect(broken.output).toContain("error: preview failed");
    expect(fs.existsSync(path.join(stack.scratch, "rendered"))).toBe(false);
  }, 2 * PREVIEW_TIMEOUT_MS);
});
