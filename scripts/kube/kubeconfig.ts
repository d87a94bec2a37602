/**
 * Kubeconfig files of a local cluster: self-contained (certificates embedded), so the file alone is the
 * credential, for kubectl, for the Pulumi provider and for the cluster's own controllers.
 */
import * as fs from "node:fs";
import { stringify } from "yaml";
import { readPair } from "./certs";
import { ClusterLayout, KUBECONFIG_USERS, KubeconfigUser } from "./layout";

export interface KubeconfigSpec {
  /** Cluster, user and context name, e.g. `dsc-local-alpha`. */
  name: string;
  server: string;
  caPem: string;
  certPem: string;
  keyPem: string;
}

export function renderKubeconfig(spec: KubeconfigSpec): string {
  const b64 = (pem: string) => Buffer.from(pem).toString("base64");
  return stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: spec.name, cluster: { server: spec.server, "certificate-authority-data": b64(spec.caPem) } }],
    users: [{ name: spec.name, user: { "client-certificate-data": b64(spec.certPem), "client-key-data": b64(spec.keyPem) } }],
    contexts: [{ name: spec.name, context: { cluster: spec.name, user: spec.name } }],
    "current-context": spec.name,
    preferences: {},
  });
}

/** The context name users see for region r. */
export function contextName(region: string): string {
  return `dsc-local-${region}`;
}

/** Writes every kubeconfig of the cluster (0600: they hold private keys); unchanged files are left alone. */
export function writeKubeconfigs(layout: ClusterLayout, server: string): void {
  const caPem = fs.readFileSync(layout.pkiFile("ca.crt"), "utf8");
  for (const user of KUBECONFIG_USERS) {
    const pair = readPair(layout, user);
    const text = renderKubeconfig({ name: contextName(layout.region), server, caPem, ...pair });
    writeIfChanged(layout.kubeconfigOf(user as KubeconfigUser), text);
  }
}

function writeIfChanged(file: string, text: string): void {
  if (fs.existsSync(file) && fs.readFileSync(file, "utf8") === text) return;
  fs.writeFileSync(file, text, { mode: 0o600 });
}
