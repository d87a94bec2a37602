/**
 * The credentials of one local cluster, made once at its first start and kept (a restart must not change them,
 * or every kubeconfig handed out, and the Pulumi provider's, would stop working). Each region has its own CAs,
 * so alpha's credentials mean nothing to beta's API server.
 *
 * - `ca`: the cluster CA. Signs the API server's serving certificate and every client of the API server.
 * - `etcd-ca`: etcd's own CA (as kubeadm does): a client of the API server cannot talk to etcd, nor the reverse.
 * - `front-proxy-ca`: the aggregation layer's request-header CA (`--requestheader-client-ca-file`).
 * - `sa.key`/`sa.pub`: the service-account token signing key pair (ECDSA P-256, node's crypto).
 */
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { CertificateAuthority, CertificateSpec, KeyPairPem, createCa, issueCertificate } from "../pki";
import { ClusterLayout, KubeconfigUser } from "./layout";

/** The first address of the service range: the `kubernetes` Service's ClusterIP, a SAN of the serving cert. */
export const SERVICE_CIDR = "10.96.0.0/16";
export const KUBERNETES_SERVICE_IP = "10.96.0.1";
export const CLUSTER_DOMAIN = "cluster.local";

/** The in-cluster names of the API server, as kubeadm puts them on its serving certificate. */
export const API_SERVER_DNS_NAMES = [
  "localhost",
  "kubernetes",
  "kubernetes.default",
  "kubernetes.default.svc",
  `kubernetes.default.svc.${CLUSTER_DOMAIN}`,
];

/** Who each kubeconfig authenticates as. Controller-manager and scheduler have built-in RBAC roles for these names. */
export const CLIENT_IDENTITIES: Record<KubeconfigUser, Pick<CertificateSpec, "commonName" | "organizations">> = {
  admin: { commonName: "dsc-local-admin", organizations: ["system:masters"] },
  "controller-manager": { commonName: "system:kube-controller-manager" },
  scheduler: { commonName: "system:kube-scheduler" },
  // kwok writes node and pod status for every node it plays; it acts as the cluster's kubelets.
  kwok: { commonName: "dsc-kwok", organizations: ["system:masters"] },
};

/** The name the API server's `--requestheader-allowed-names` accepts from the front-proxy CA. */
export const FRONT_PROXY_CLIENT = "front-proxy-client";

type Issued = { ca: "ca" | "etcd-ca" | "front-proxy-ca"; spec: CertificateSpec };

/** Every certificate of a cluster, by file stem (`<stem>.crt` / `<stem>.key` under pki/). */
export function clusterCertificates(region: string): Record<string, Issued> {
  const clients = Object.fromEntries(
    Object.entries(CLIENT_IDENTITIES).map(([user, id]) => [user, { ca: "ca", spec: { ...id, usages: ["client"] } } as Issued]),
  );
  return {
    apiserver: {
      ca: "ca",
      spec: { commonName: `kube-apiserver-${region}`, dnsNames: API_SERVER_DNS_NAMES, ipAddresses: ["127.0.0.1", KUBERNETES_SERVICE_IP], usages: ["server"] },
    },
    // etcd's peer listener uses the same pair, hence both usages.
    etcd: { ca: "etcd-ca", spec: { commonName: `etcd-${region}`, dnsNames: ["localhost"], ipAddresses: ["127.0.0.1"], usages: ["server", "client"] } },
    "apiserver-etcd-client": { ca: "etcd-ca", spec: { commonName: "kube-apiserver-etcd-client", usages: ["client"] } },
    "front-proxy-client": { ca: "front-proxy-ca", spec: { commonName: FRONT_PROXY_CLIENT, usages: ["client"] } },
    ...clients,
  };
}

/**
 * Makes the cluster's pki/ folder unless it exists. Written into a sibling folder first and renamed, so an
 * interrupted first start leaves no half set behind. Private keys are 0600.
 */
export async function ensureClusterPki(layout: ClusterLayout): Promise<void> {
  if (fs.existsSync(layout.pkiFile("ca.crt"))) return;
  const partial = `${layout.pki}.partial`;
  fs.rmSync(partial, { recursive: true, force: true });
  fs.mkdirSync(partial, { recursive: true, mode: 0o700 });
  const write = (stem: string, pair: KeyPairPem) => {
    fs.writeFileSync(path.join(partial, `${stem}.crt`), pair.certPem);
    fs.writeFileSync(path.join(partial, `${stem}.key`), pair.keyPem, { mode: 0o600 });
  };
  const cas: Record<Issued["ca"], CertificateAuthority> = {
    ca: await createCa(`DSC local cluster ${layout.region} CA`),
    "etcd-ca": await createCa(`DSC local cluster ${layout.region} etcd CA`),
    "front-proxy-ca": await createCa(`DSC local cluster ${layout.region} front-proxy CA`),
  };
  for (const [stem, ca] of Object.entries(cas)) write(stem, ca);
  for (const [stem, issued] of Object.entries(clusterCertificates(layout.region))) {
    write(stem, await issueCertificate(cas[issued.ca], issued.spec));
  }
  const sa = crypto.generateKeyPairSync("ec", {
    namedCurve: "prime256v1",
    publicKeyEncoding: { type: "spki", format: "pem" },
    privateKeyEncoding: { type: "pkcs8", format: "pem" },
  });
  fs.writeFileSync(path.join(partial, "sa.pub"), sa.publicKey);
  fs.writeFileSync(path.join(partial, "sa.key"), sa.privateKey, { mode: 0o600 });
  fs.renameSync(partial, layout.pki);
}

/** A certificate and key pair of pki/ as PEM. */
export function readPair(layout: ClusterLayout, stem: string): KeyPairPem {
  return { certPem: fs.readFileSync(layout.pkiFile(`${stem}.crt`), "utf8"), keyPem: fs.readFileSync(layout.pkiFile(`${stem}.key`), "utf8") };
}
