/**
 * The Node.js language host installed by the toolchain (scripts/language-host: policy packs itself, everything
 * else relayed to the Go host from sdk/v3 v3.68.0) under the v3.274.1 CLI: the CLI starts the host, the host
 * runs a TypeScript program from its project folder with the project's @pulumi/pulumi (3.270) — config,
 * secrets, stack outputs from module exports, a saved update plan and the engine's refusal of a plan that no
 * longer matches, the real Kubernetes provider rendering through the project's LocalCluster — as `npm start` does.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { createProjectStack, EngineStack } from "./engineStack";
import { PROJECT_ROOT } from "./toolchain";

/** A project folder whose program renders one ConfigMap from config and exports how it was run. */
function writeProject(projectDir: string, scratch: string): void {
  const localCluster = path.join(PROJECT_ROOT, "components", "cluster", "local");
  fs.writeFileSync(path.join(projectDir, "Pulumi.yaml"), "name: dsc-language-host-test\nruntime: nodejs\n");
  // The project's compiler settings (strict), so the host's ts-node type-checks the program as the project would.
  fs.writeFileSync(
    path.join(projectDir, "tsconfig.json"),
    JSON.stringify({ extends: path.join(PROJECT_ROOT, "tsconfig.json"), include: ["index.ts"] }),
  );
  fs.symlinkSync(path.join(PROJECT_ROOT, "node_modules"), path.join(projectDir, "node_modules"));
  fs.writeFileSync(
    path.join(projectDir, "index.ts"),
    `import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { LocalCluster } from ${JSON.stringify(localCluster)};

const config = new pulumi.Config();
const failure = config.get("fail");
if (failure !== undefined) {
  throw new Error(failure);
}
const cluster = new LocalCluster("host-test", {
  owner: { region: "alpha", dsp: "dsp-1" },
  renderDirectory: ${JSON.stringify(path.join(scratch, "rendered"))},
});
const greeting = new k8s.core.v1.ConfigMap(
  "greeting",
  { metadata: { name: "greeting", namespace: "default" }, data: { greeting: config.require("greeting") } },
  { provider: cluster.provider },
);
export const configMapName = greeting.metadata.name;
export const token = config.requireSecret("token");
// Set by the language host when it starts node on @pulumi/pulumi/cmd/run; absent for an inline program.
export const runner = process.argv[1];
export const typescript = process.env.PULUMI_NODEJS_TYPESCRIPT ?? "unset";
// What the host's launcher sets for the host alone: a program must not inherit it.
export const launcherLeak = [process.env.DSC_GO_LANGUAGE_HOST, process.env.TS_NODE_PROJECT].filter(Boolean).join(",");
`,
  );
}

function renderedConfigMaps(scratch: string): string[] {
  const dir = path.join(scratch, "rendered", "1-manifest");
  return fs.existsSync(dir) ? fs.readdirSync(dir).map((f) => fs.readFileSync(path.join(dir, f), "utf8")) : [];
}

const OPERATION_TIMEOUT_MS = 150_000;
/** What the CLI says about the plugin it started, naming the launcher scripts/toolchain.sh installed. */
const HOST_IN_USE = `using pulumi-language-nodejs from $PATH at ${path.join(PROJECT_ROOT, ".toolchain", "language-host", "pulumi-language-nodejs")}`;

describe("the Node.js language host installed by the toolchain", () => {
  it("is the launcher of scripts/language-host, beside the Go host it relays to", () => {
    const installed = path.join(PROJECT_ROOT, ".toolchain", "language-host");
    expect(fs.readFileSync(path.join(installed, "pulumi-language-nodejs"), "utf8")).toBe(
      fs.readFileSync(path.join(PROJECT_ROOT, "scripts", "language-host", "pulumi-language-nodejs"), "utf8"),
    );
    fs.accessSync(path.join(installed, "pulumi-language-nodejs-go"), fs.constants.X_OK);
  });

  let engine: EngineStack | undefined;
  afterEach(() => engine?.dispose());

  it("runs a TypeScript project through a saved plan, with config, secrets and outputs", async () => {
    engine = await createProjectStack("host", writeProject);
    const { stack, scratch } = engine;
    await stack.setConfig("greeting", { value: "hello" });
    await stack.setConfig("token", { value: "s3cret", secret: true });
    const planFile = path.join(scratch, "plan.json");

    const preview = await stack.preview({ plan: planFile });
    expect(preview.stdout + preview.stderr).toContain(HOST_IN_USE);
    expect(preview.changeSummary.create).toBeGreaterThanOrEqual(4); // stack, component, provider, ConfigMap
    expect(renderedConfigMaps(scratch)).toEqual([]);

    const up = await stack.up({ plan: planFile });
    expect(up.summary.result).toBe("succeeded");
    expect(up.summary.resourceChanges?.create).toBe(preview.changeSummary.create);
    expect(up.outputs.configMapName.value).toBe("greeting");
    expect(up.outputs.token).toEqual({ value: "s3cret", secret: true });
    expect(up.outputs.runner.value).toMatch(/@pulumi\/pulumi\/cmd\/run/);
    expect(up.outputs.typescript.value).toBe("true");
    expect(up.outputs.launcherLeak.value).toBe("");
    const rendered = renderedConfigMaps(scratch);
    expect(rendered).toHaveLength(1);
    expect(rendered[0]).toMatch(/greeting: hello/);

    const again = await stack.up();
    expect(Object.keys(again.summary.resourceChanges ?? {})).toEqual(["same"]);
  }, 4 * OPERATION_TIMEOUT_MS);

  it("refuses an up whose plan no longer matches the program's config, and renders nothing", async () => {
    engine = await createProjectStack("tampered", writeProject);
    const { stack, scratch } = engine;
    await stack.setConfig("token", { value: "s3cret", secret: true });
    await stack.setConfig("greeting", { value: "approved" });
    const planFile = path.join(scratch, "plan.json");
    await stack.preview({ plan: planFile });

    await stack.setConfig("greeting", { value: "tampered" });
    await expect(stack.up({ plan: planFile })).rejects.toThrow(/violates plan/);
    expect(renderedConfigMaps(scratch)).toEqual([]);
  }, 2 * OPERATION_TIMEOUT_MS);

  it("fails the preview with the program's own error, and renders nothing", async () => {
    engine = await createProjectStack("broken", writeProject);
    const { stack, scratch } = engine;
    await stack.setConfig("fail", { value: "region alpha has no DSP assigned" });
    await expect(stack.preview()).rejects.toThrow(/region alpha has no DSP assigned/);
    expect(renderedConfigMaps(scratch)).toEqual([]);
  }, OPERATION_TIMEOUT_MS);
});
