import * as path from "path";
import { runWithMocks, single } from "../testing/mockRuntime";
import { LocalCluster, localRenderDirectory } from "./local";

describe("LocalCluster", () => {
  it("resolves one render directory per region under the project root", () => {
    expect(localRenderDirectory("/repo", ".state/rendered", "beta")).toBe(path.resolve("/repo/.state/rendered/beta"));
    expect(localRenderDirectory("/repo", "/var/tmp/render", "alpha")).toBe(path.resolve("/var/tmp/render/alpha"));
  });

  it("gives a provider that renders YAML to its directory and never carries a kubeconfig", async () => {
    const run = await runWithMocks(
      () => {
        const c = new LocalCluster("alpha", { owner: { region: "alpha", dsp: "dsp-1" }, renderDirectory: "/repo/.state/rendered/alpha" });
        return { kubeconfig: c.kubeconfig, clusterName: c.clusterName };
      },
      { project: "components", stack: "local" },
    );
    const provider = single(run.resources, "pulumi:providers:kubernetes");
    expect(provider.inputs.renderYamlToDirectory).toBe("/repo/.state/rendered/alpha");
    expect(provider.inputs.kubeconfig).toBeUndefined();
    expect(run.resources.filter((r) => !r.type.startsWith("pulumi:") && !r.type.startsWith("dsc:"))).toEqual([]);
    expect(run.outputs.clusterName).toBe("local-alpha");
    expect(run.secretOutputNames).toEqual(["kubeconfig"]);
  });

  it("refuses a relative render directory", async () => {
    await expect(
      runWithMocks(() => ({ c: new LocalCluster("x", { owner: { region: "alpha", dsp: "dsp-1" }, renderDirectory: "rendered/alpha" }).clusterName }), {
        project: "components",
        stack: "local",
      }),
    ).rejects.toThrow(/renderDirectory: must be an absolute path/);
  });
});
