import * as pulumi from "@pulumi/pulumi";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { runWithMocks, single } from "../testing/mockRuntime";
import { LocalCluster, LocalClusterArgs, localKubeconfigFile, localRenderDirectory } from "./local";

const owner = { region: "alpha", dsp: "dsp-1" } as const;
const opts = { project: "components", stack: "local" };

function build(args: LocalClusterArgs) {
  return () => {
    const c = new LocalCluster("alpha", args);
    return { kubeconfig: c.kubeconfig, clusterName: c.clusterName };
  };
}

describe("LocalCluster", () => {
  it("resolves one render directory and one kubeconfig per region", () => {
    expect(localRenderDirectory("/repo", ".state/rendered", "beta")).toBe(path.resolve("/repo/.state/rendered/beta"));
    expect(localRenderDirectory("/repo", "/var/tmp/render", "alpha")).toBe(path.resolve("/var/tmp/render/alpha"));
    expect(localKubeconfigFile("/repo/.state/kube", "gamma")).toBe("/repo/.state/kube/gamma/kubeconfig");
  });

  it("in render mode gives a provider that renders YAML to its directory and never carries a kubeconfig", async () => {
    const run = await runWithMocks(build({ owner, renderDirectory: "/repo/.state/rendered/alpha" }), opts);
    const provider = single(run.resources, "pulumi:providers:kubernetes");
    expect(provider.inputs.renderYamlToDirectory).toBe("/repo/.state/rendered/alpha");
    expect(provider.inputs.kubeconfig).toBeUndefined();
    expect(run.resources.filter((r) => !r.type.startsWith("pulumi:") && !r.type.startsWith("dsc:"))).toEqual([]);
    expect(run.outputs.clusterName).toBe("local-alpha");
    expect(run.secretOutputNames).toEqual(["kubeconfig"]);
  });

  describe("in cluster mode", () => {
    let dir: string;
    beforeAll(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "dsc-local-cluster-"))));
    afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("builds its provider from the region's kubeconfig file and keeps it secret", async () => {
      const file = path.join(dir, "kubeconfig");
      const text = `apiVersion: v1\nkind: Config\n# ${Math.random()}\n`;
      fs.writeFileSync(file, text);
      const run = await runWithMocks(build({ owner, kubeconfigFile: file }), opts);
      const provider = single(run.resources, "pulumi:providers:kubernetes");
      // The provider receives it as a secret value, so the engine encrypts it in state.
      expect(provider.inputs.kubeconfig).toEqual({ [pulumi.runtime.specialSigKey]: pulumi.runtime.specialSecretSig, value: text });
      expect(provider.inputs.renderYamlToDirectory).toBeUndefined();
      expect(run.outputs.kubeconfig).toBe(text);
      expect(run.secretOutputNames).toEqual(["kubeconfig"]);
    });

    it("says how to start the clusters when the kubeconfig is missing", async () => {
      const missing = path.join(dir, "beta", "kubeconfig");
      await expect(runWithMocks(build({ owner, kubeconfigFile: missing }), opts)).rejects.toThrow(
        new RegExp(`cannot read the kubeconfig ${missing} \\(ENOENT\\); start the local clusters with \`npm run kube -- up\``),
      );
    });
  });

  it("refuses a relative path, and both modes or neither", async () => {
    await expect(runWithMocks(build({ owner, renderDirectory: "rendered/alpha" }), opts)).rejects.toThrow(/renderDirectory: must be an absolute path/);
    await expect(runWithMocks(build({ owner, kubeconfigFile: "kube/alpha/kubeconfig" }), opts)).rejects.toThrow(/kubeconfigFile: must be an absolute path/);
    const exactlyOne = /set exactly one of renderDirectory \(render YAML, no cluster\) or kubeconfigFile/;
    await expect(runWithMocks(build({ owner }), opts)).rejects.toThrow(exactlyOne);
    await expect(runWithMocks(build({ owner, renderDirectory: "/r/alpha", kubeconfigFile: "/k/alpha/kubeconfig" }), opts)).rejects.toThrow(exactlyOne);
  });
});
