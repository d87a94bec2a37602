/**
 * Kubeconfig documents that authenticate through the cloud's own exec plugin, so no long-lived credential is
 * ever written into the stack: `aws eks get-token`, `kubelogin` (AKS with Azure AD) and `gke-gcloud-auth-plugin`.
 */
export interface ExecKubeconfigArgs {
  name: string;
  server: string;
  caData: string;
  exec: { command: string; args: string[]; env?: { name: string; value: string }[] };
}

export function execKubeconfig(a: ExecKubeconfigArgs): string {
  return JSON.stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: a.name, cluster: { server: a.server, "certificate-authority-data": a.caData } }],
    contexts: [{ name: a.name, context: { cluster: a.name, user: a.name } }],
    "current-context": a.name,
    users: [
      {
        name: a.name,
        user: {
          exec: {
            apiVersion: "client.authentication.k8s.io/v1beta1",
            command: a.exec.command,
            args: a.exec.args,
            env: a.exec.env ?? null,
            interactiveMode: "Never",
          },
        },
      },
    ],
  });
}

export function eksKubeconfig(name: string, server: string, caData: string, awsRegion: string): string {
  return execKubeconfig({
    name,
    server,
    caData,
    exec: { command: "aws", args: ["eks", "get-token", "--cluster-name", name, "--region", awsRegion, "--output", "json"] },
  });
}

export function gkeKubeconfig(name: string, endpoint: string, caData: string): string {
  return execKubeconfig({
    name,
    server: `https://${endpoint}`,
    caData,
    exec: { command: "gke-gcloud-auth-plugin", args: [], env: [{ name: "USE_GKE_GCLOUD_AUTH_PLUGIN", value: "True" }] },
  });
}
