import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as path from "path";
import { z } from "zod";
import { ownershipSchema, parseArgs } from "../validation";
import { DspCluster } from "./types";

/** Where rendered manifests go unless config says otherwise, relative to the project root. */
export const DEFAULT_RENDER_ROOT = ".state/rendered";

export const localClusterArgsSchema = z.object({
  owner: ownershipSchema,
  /** Absolute directory this region's manifests are rendered into (one directory per region). */
  renderDirectory: z.string().refine((p) => path.isAbsolute(p), {
    error: "must be an absolute path; resolve it from the project root with localRenderDirectory()",
  }),
});
export type LocalClusterArgs = z.input<typeof localClusterArgsSchema>;

/** `<projectRoot>/<renderRoot>/<region>`; an absolute `renderRoot` is used as is. */
export function localRenderDirectory(projectRoot: string, renderRoot: string, region: string): string {
  return path.resolve(projectRoot, renderRoot, region);
}

/**
 * A region with no cloud behind it: its `k8s.Provider` renders every object as YAML into the region's own
 * directory instead of calling an API server (`renderYamlToDirectory`, which must never be combined with a
 * kubeconfig). Used by the `local` stack so the same workload components run without any cloud account.
 * Rendered Secrets are plain text on disk, which is why the directory lives under the git-ignored `.state/`.
 */
export class LocalCluster extends pulumi.ComponentResource implements DspCluster {
  readonly cloud = "local" as const;
  readonly location = "local";
  readonly peerExposure = "clusterIp" as const;
  readonly owner: DspCluster["owner"];
  readonly clusterName: pulumi.Output<string>;
  readonly kubeconfig: pulumi.Output<string>;
  readonly provider: k8s.Provider;
  readonly renderDirectory: string;

  constructor(name: string, args: LocalClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("dsc:cluster:LocalCluster", name, {}, opts);
    const valid = parseArgs("LocalCluster", localClusterArgsSchema, args);
    this.owner = valid.owner;
    this.renderDirectory = valid.renderDirectory;
    this.clusterName = pulumi.output(`local-${valid.owner.region}`);
    this.kubeconfig = pulumi.secret("");
    this.provider = new k8s.Provider(
      `${name}-k8s`,
      { renderYamlToDirectory: valid.renderDirectory },
      { parent: this },
    );
    this.registerOutputs({
      clusterName: this.clusterName,
      kubeconfig: this.kubeconfig,
      renderDirectory: this.renderDirectory,
    });
  }
}
