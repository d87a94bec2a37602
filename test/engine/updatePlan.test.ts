/**
 * Update plans on the real engine: the built CLI, the real Kubernetes provider rendering YAML through the
 * project's LocalCluster component, a file backend in a temporary folder. No mocks. The program is inline
 * (served by the Automation API); the refusal of a plan that no longer matches is checked through the language
 * host, in languageHost.test.ts.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { PulumiFn } from "@pulumi/pulumi/automation";
import { LocalCluster } from "../../components/cluster/local";
import { createEngineStack, EngineStack } from "./engineStack";

/** A region rendered to `<scratch>/rendered`, with one ConfigMap whose data comes from stack config. */
function greetingProgram(scratch: string): PulumiFn {
  return async () => {
    const cluster = new LocalCluster("engine-test", {
      owner: { region: "alpha", dsp: "dsp-1" },
      renderDirectory: path.join(scratch, "rendered"),
    });
    const greeting = new k8s.core.v1.ConfigMap(
      "greeting",
      {
        metadata: { name: "greeting", namespace: "default" },
        data: { greeting: new pulumi.Config().require("greeting") },
      },
      { provider: cluster.provider },
    );
    return { configMapName: greeting.metadata.name };
  };
}

/** The text of every YAML file the provider rendered, or [] if none. */
function renderedYaml(scratch: string): string[] {
  const root = path.join(scratch, "rendered");
  if (!fs.existsSync(root)) {
    return [];
  }
  return fs
    .readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith(".yaml"))
    .map((entry) => fs.readFileSync(path.join(entry.parentPath, entry.name), "utf8"));
}

const OPERATION_TIMEOUT_MS = 120_000;

describe("update plans on the real engine", () => {
  let engine: EngineStack;

  beforeEach(async () => {
    engine = await createEngineStack("dsc-engine-test", "plan", greetingProgram);
  }, OPERATION_TIMEOUT_MS);

  // When the toolchain is missing, beforeEach fails with its message and there is nothing to dispose.
  afterEach(() => (engine as EngineStack | undefined)?.dispose());

  it("saves a plan on preview, applies exactly that plan, then has nothing left to do", async () => {
    const { stack, scratch } = engine;
    await stack.setConfig("greeting", { value: "hello" });
    const planFile = path.join(scratch, "plan.json");

    const preview = await stack.preview({ plan: planFile });
    expect(preview.changeSummary.create).toBeGreaterThanOrEqual(3); // stack, component, provider, ConfigMap
    const plan = JSON.parse(fs.readFileSync(planFile, "utf8")) as { resourcePlans: Record<string, unknown> };
    const plannedUrns = Object.keys(plan.resourcePlans);
    expect(plannedUrns.some((urn) => urn.endsWith("kubernetes:core/v1:ConfigMap::greeting"))).toBe(true);
    expect(renderedYaml(scratch)).toEqual([]); // a preview writes nothing

    const up = await stack.up({ plan: planFile });
    expect(up.summary.result).toBe("succeeded");
    expect(up.outputs.configMapName.value).toBe("greeting");
    const rendered = renderedYaml(scratch);
    expect(rendered).toHaveLength(1);
    expect(rendered[0]).toMatch(/kind: ConfigMap/);
    expect(rendered[0]).toMatch(/greeting: hello/);

    const again = await stack.preview();
    expect(again.changeSummary.create ?? 0).toBe(0);
    expect(again.changeSummary.update ?? 0).toBe(0);
    expect(again.changeSummary.same).toBeGreaterThanOrEqual(3);
  }, 4 * OPERATION_TIMEOUT_MS);
});
