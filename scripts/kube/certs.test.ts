import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse } from "yaml";
import { API_SERVER_DNS_NAMES, KUBERNETES_SERVICE_IP, ensureClusterPki } from "./certs";
import { writeKubeconfigs } from "./kubeconfig";
import { KUBECONFIG_USERS, clusterLayout } from "./layout";

describe("a local cluster's credentials", () => {
  let root: string;
  beforeAll(() => (root = fs.mkdtempSync(path.join(os.tmpdir(), "dsc-kube-pki-"))));
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  const cert = (region: string, stem: string) => new crypto.X509Certificate(fs.readFileSync(clusterLayout(root, region).pkiFile(`${stem}.crt`)));

  it("are made once: a second call keeps every file as it was", async () => {
    const layout = clusterLayout(root, "alpha");
    fs.mkdirSync(layout.dir, { recursive: true });
    await ensureClusterPki(layout);
    const before = fs.readFileSync(layout.pkiFile("admin.key"), "utf8");
    await ensureClusterPki(layout);
    expect(fs.readFileSync(layout.pkiFile("admin.key"), "utf8")).toBe(before);
    expect(fs.existsSync(`${layout.pki}.partial`)).toBe(false);
    expect(fs.statSync(layout.pkiFile("ca.key")).mode & 0o077).toBe(0);
    expect(fs.statSync(layout.pkiFile("sa.key")).mode & 0o077).toBe(0);
  });

  it("serve the API server under 127.0.0.1, the kubernetes Service IP and its in-cluster names", () => {
    const serving = cert("alpha", "apiserver");
    for (const name of API_SERVER_DNS_NAMES) expect(serving.subjectAltName).toContain(`DNS:${name}`);
    expect(serving.subjectAltName).toContain("IP Address:127.0.0.1");
    expect(serving.subjectAltName).toContain(`IP Address:${KUBERNETES_SERVICE_IP}`);
    expect(serving.checkIssued(cert("alpha", "ca"))).toBe(true);
  });

  it("keep etcd and the front proxy on CAs of their own", () => {
    expect(cert("alpha", "etcd").checkIssued(cert("alpha", "etcd-ca"))).toBe(true);
    expect(cert("alpha", "apiserver-etcd-client").checkIssued(cert("alpha", "ca"))).toBe(false);
    expect(cert("alpha", "front-proxy-client").checkIssued(cert("alpha", "front-proxy-ca"))).toBe(true);
    expect(cert("alpha", "front-proxy-client").subject).toContain("CN=front-proxy-client");
  });

  it("name the identities RBAC expects, and each region's are signed by its own CA only", async () => {
    expect(cert("alpha", "controller-manager").subject).toContain("CN=system:kube-controller-manager");
    expect(cert("alpha", "scheduler").subject).toContain("CN=system:kube-scheduler");
    expect(cert("alpha", "admin").subject).toContain("O=system:masters");
    const beta = clusterLayout(root, "beta");
    fs.mkdirSync(beta.dir, { recursive: true });
    await ensureClusterPki(beta);
    expect(cert("alpha", "admin").checkIssued(cert("beta", "ca"))).toBe(false);
    expect(cert("beta", "admin").checkIssued(cert("beta", "ca"))).toBe(true);
  });

  it("give one self-contained kubeconfig per identity, pointing at the server", () => {
    const layout = clusterLayout(root, "alpha");
    writeKubeconfigs(layout, "https://127.0.0.1:40000");
    for (const user of KUBECONFIG_USERS) {
      const file = layout.kubeconfigOf(user);
      expect(fs.statSync(file).mode & 0o077).toBe(0);
      const kc = parse(fs.readFileSync(file, "utf8"));
      expect(kc["current-context"]).toBe("dsc-local-alpha");
      expect(kc.clusters[0].cluster.server).toBe("https://127.0.0.1:40000");
      const clientCert = Buffer.from(kc.users[0].user["client-certificate-data"], "base64").toString();
      expect(clientCert).toBe(fs.readFileSync(layout.pkiFile(`${user}.crt`), "utf8"));
    }
    expect(layout.kubeconfigOf("admin")).toBe(path.join(root, "alpha", "kubeconfig"));
  });
});
