import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as fs from "fs";
import * as path from "path";
import { z } from "zod";
import { ownershipSchema, parseArgs } from "../validation";
import { DspCluster } from "./types";

/** Where rendered manifests go unless config says otherwise, relative to the project root. */
export const DEFAULT_RENDER_ROOT = ".state/rendered";

const absolutePath = (fix: string) => z.string().refine((p) => path.isAbsolute(p), { error: `must be an absolute path; ${fix}` });

export const localClusterArgsSchema = z
  .object({
    owner: ownershipSchema,
    /** Absolute directory this region's manifests are rendered into (one directory per region). */
    renderDirectory: absolutePath("resolve it from the project root with localRenderDirectory()").optional(),
    /** Absolute path of the admin kubeconfig of this region's local cluster (scripts/kube: `<dir>/<region>/kubeconfig`). */
    kubeconfigFile: absolutePath("resolve it with localKubeconfigFile(dsc:localKubeconfigDir, region)").optional(),
  })
  .strict()
  .refine((a) => (a.renderDirectory === undefined) !== (a.kubeconfigFile === undefined), {
    error: "set exactly one of renderDirectory (render YAML, no cluster) or kubeconfigFile (a local cluster of scripts/kube)",
  });
export type LocalClusterArgs = z.input<typeof localClusterArgsSchema>;

/** `<projectRoot>/<renderRoot>/<region>`; an absolute `renderRoot` is used as is. */
export function localRenderDirectory(projectRoot: string, renderRoot: string, region: string): string {
  return path.resolve(projectRoot, renderRoot, region);
}

/** `<kubeconfigDir>/<region>/kubeconfig`: where scripts/kube writes each region's admin kubeconfig (interface I3). */
export function localKubeconfigFile(kubeconfigDir: string, region: string): string {
  return path.join(kubeconfigDir, region, "kubeconfig");
}

/**
 * A region with no cloud behind it, in one of two modes:
 * - `kubeconfigFile`: a real API server started on this machine by `npm run kube -- up` (scripts/kube), which
 *   validates, admits (Pod Security `restricted`) and serves what the provider applies, kwok playing kubelets;
 * - `renderDirectory`: the provider renders every object as YAML into the region's own directory instead of
 *   calling an API server (`renderYamlToDirectory`, which must never be combined with a kubeconfig), for a
 *   machine without the cluster binaries. Rendered Secrets are plain text on disk, which is why the directory
 *   lives under the git-ignored `.state/`.
 */
export class LocalCluster extends pulumi.ComponentResource implements DspCluster {
  readonly cloud = "local" as const;
  readonly location = "local";
  readonly peerExposure = "clusterIp" as const;
  readonly owner: DspCluster["owner"];
  readonly clusterName: pulumi.Output<string>;
  readonly kubeconfig: pulumi.Output<string>;
  readonly provider: k8s.Provider;
  /** Set in render mode only. */
  readonly renderDirectory: string | undefined;
  /** Set in cluster mode only. */
  readonly kubeconfigFile: string | undefined;

  constructor(name: string, args: LocalClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("dsc:cluster:LocalCluster", name, {}, opts);
    const valid = parseArgs("LocalCluster", localClusterArgsSchema, args);
    this.owner = valid.owner;
    this.renderDirectory = valid.renderDirectory;
    this.kubeconfigFile = valid.kubeconfigFile;
    this.clusterName = pulumi.output(`local-${valid.owner.region}`);
    const kubeconfig = valid.kubeconfigFile === undefined ? "" : readKubeconfig(name, valid.kubeconfigFile);
    this.kubeconfig = pulumi.secret(kubeconfig);
    this.provider = new k8s.Provider(
      `${name}-k8s`,
      // A field taken over with `kubectl edit` is taken back by the next update instead of failing as a server-side
      // apply conflict (the program is the source of truth for what it sets). Set here so that `npm start` and an
      // operator's own `dsc change local` plan the same provider inputs; the provider built here still needs
      // PULUMI_K8S_ENABLE_PATCH_FORCE for the force itself (scripts/local-up.sh sets it; test/engine/kubeStack.test.ts).
      valid.renderDirectory !== undefined ? { renderYamlToDirectory: valid.renderDirectory } : { kubeconfig: this.kubeconfig, enablePatchForce: true },
      { parent: this },
    );
    this.registerOutputs({
      clusterName: this.clusterName,
      kubeconfig: this.kubeconfig,
      renderDirectory: this.renderDirectory,
      kubeconfigFile: this.kubeconfigFile,
    });
  }
}

function readKubeconfig(name: string, file: string): string {
  try {
    return fs.readFileSync(file, "utf8");
  } catch (err) {
    throw new Error(
      `LocalCluster ${name}: cannot read the kubeconfig ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); ` +
        "start the local clusters with `npm run kube -- up`, or unset dsc:localKubeconfigDir to render YAML instead",
      { cause: err },
    );
  }
}
