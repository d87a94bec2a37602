/**
 * The project's real program with the committed `local` stack config, on the real engine: all three regions
 * render their manifests, and a second update has nothing to do. (`npm start` does the same through the CLI.)
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { ConfigMap } from "@pulumi/pulumi/automation";
import { parse } from "yaml";
import { DEV_KEYS } from "../../governance/consortium/dev-keys";
import { ensureLocalTrust, LocalTrust } from "../../scripts/local-config";
import { federationProgram } from "../../stacks/program";
import { createEngineStack, EngineStack } from "./engineStack";
import { PROJECT_ROOT } from "./toolchain";

const REGIONS = ["alpha", "beta", "gamma"] as const;

/**
 * Pulumi.local.yaml's config as the engine hands it to the program (objects as JSON), rendering into `renderRoot`,
 * with the run-time settings `npm start` adds (scripts/local-config.ts).
 */
function localStackConfig(renderRoot: string, trust: LocalTrust): ConfigMap {
  const file = parse(fs.readFileSync(path.join(PROJECT_ROOT, "Pulumi.local.yaml"), "utf8")) as {
    config: Record<string, unknown>;
  };
  const committed = { ...file.config, "dsc:local": { ...(file.config["dsc:local"] as object), renderRoot } };
  const config: ConfigMap = {};
  for (const [key, value] of Object.entries(committed)) {
    config[key] = { value: typeof value === "string" ? value : JSON.stringify(value) };
  }
  const agentKeys = Object.fromEntries(REGIONS.map((region, i) => [region, DEV_KEYS.agents[i]]));
  config["dsc:watcherAgentKeys"] = { value: JSON.stringify(agentKeys), secret: true };
  config["dsc:replicationPeerSecret"] = { value: "e".repeat(64), secret: true };
  config["dsc:replicationCaCert"] = { value: trust.caCert };
  config["dsc:replicationAuthKeys"] = { value: trust.jwks };
  config["dsc:replicationTlsCerts"] = { value: JSON.stringify(Object.fromEntries(REGIONS.map((r) => [r, trust.regions[r].cert]))) };
  config["dsc:replicationTlsKeys"] = { value: JSON.stringify(Object.fromEntries(REGIONS.map((r) => [r, trust.regions[r].key]))), secret: true };
  config["dsc:chain"] = {
    value: JSON.stringify({
      rpcUrl: "http://127.0.0.1:8545",
      guardianAddress: "0x" + "1".repeat(40),
      consortiumSafeAddress: "0x" + "2".repeat(40),
    }),
  };
  return config;
}

function renderedFiles(renderRoot: string, region: string): string[] {
  const dir = path.join(renderRoot, region, "1-manifest");
  return fs.existsSync(dir) ? fs.readdirSync(dir) : [];
}

describe("the local stack on the real engine", () => {
  let engine: EngineStack | undefined;
  afterEach(() => engine?.dispose());

  it("renders every region's workloads through a saved plan, then has nothing left to do", async () => {
    engine = await createEngineStack("dsc-federation", "local", () => async () => federationProgram());
    const { stack, scratch } = engine;
    const renderRoot = path.join(scratch, "rendered");
    await stack.setAllConfig(localStackConfig(renderRoot, await ensureLocalTrust(path.join(scratch, "trust"))));
    const planFile = path.join(scratch, "plan.json");

    const preview = await stack.preview({ plan: planFile });
    const planned = preview.changeSummary.create ?? 0;
    expect(planned).toBeGreaterThan(REGIONS.length * 5);

    const up = await stack.up({ plan: planFile });
    expect(up.summary.result).toBe("succeeded");
    expect(up.summary.resourceChanges?.create).toBe(planned);
    for (const region of REGIONS) {
      const files = renderedFiles(renderRoot, region);
      expect(files.some((f) => f.startsWith("apps_v1-statefulset-"))).toBe(true); // replication layer
      expect(files.some((f) => f.startsWith("apps_v1-deployment-"))).toBe(true); // guardian watcher
    }

    const again = await stack.up();
    expect(Object.keys(again.summary.resourceChanges ?? {})).toEqual(["same"]);
  }, 300_000);
});
