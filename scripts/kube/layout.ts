/**
 * Where one local cluster keeps its files: everything of region r under `<root>/<r>/` (`.state/kube/<r>/` for
 * `npm run kube`, a temporary folder in tests). Pure: paths only, nothing is created here.
 */
import * as path from "node:path";

/** The processes of one cluster, in start order (stop goes the other way). */
export const COMPONENTS = ["etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kwok"] as const;
export type Component = (typeof COMPONENTS)[number];

/** Client identities with a kubeconfig each; `admin` is the one users and the Pulumi provider get. */
export const KUBECONFIG_USERS = ["admin", "controller-manager", "scheduler", "kwok"] as const;
export type KubeconfigUser = (typeof KUBECONFIG_USERS)[number];

export interface ClusterLayout {
  region: string;
  dir: string;
  /** The admin kubeconfig (interface I3: `<root>/<region>/kubeconfig`). */
  kubeconfig: string;
  /** Ports chosen at the first start and kept, so kubeconfigs stay valid across restarts. */
  portsFile: string;
  etcdData: string;
  pki: string;
  /** Files the API server reads: admission (Pod Security) and audit policy. */
  config: string;
  auditLog: string;
  logs: string;
  run: string;
  kubeconfigOf(user: KubeconfigUser): string;
  pidFile(component: Component): string;
  logFile(component: Component): string;
  /** A file under pki/, e.g. `ca.crt`. */
  pkiFile(name: string): string;
}

export function clusterLayout(root: string, region: string): ClusterLayout {
  if (!path.isAbsolute(root)) throw new Error(`cluster root ${root}: must be an absolute path`);
  if (!/^[a-z][a-z0-9-]{0,30}$/.test(region)) {
    throw new Error(`region ${JSON.stringify(region)}: must be a lower-case name (letters, digits, '-'), e.g. alpha`);
  }
  const dir = path.join(root, region);
  const pki = path.join(dir, "pki");
  const logs = path.join(dir, "logs");
  const run = path.join(dir, "run");
  return {
    region,
    dir,
    kubeconfig: path.join(dir, "kubeconfig"),
    portsFile: path.join(dir, "ports.json"),
    etcdData: path.join(dir, "etcd"),
    pki,
    config: path.join(dir, "config"),
    auditLog: path.join(logs, "audit.log"),
    logs,
    run,
    kubeconfigOf: (user) => (user === "admin" ? path.join(dir, "kubeconfig") : path.join(dir, `${user}.kubeconfig`)),
    pidFile: (component) => path.join(run, `${component}.pid`),
    logFile: (component) => path.join(logs, `${component}.log`),
    pkiFile: (name) => path.join(pki, name),
  };
}
