import { componentArgs, ClusterRuntime } from "./flags";
import { COMPONENTS, clusterLayout } from "./layout";
import { PortPlan } from "./ports";

const ports: PortPlan = { etcd: 41001, etcdPeer: 41002, apiserver: 41003, controllerManager: 41004, scheduler: 41005, kwok: 41006 };
const rt: ClusterRuntime = { layout: clusterLayout("/tmp/kube", "alpha"), ports, advertiseAddress: "10.1.2.3", kwokStages: "/tc/kwok/stages.yaml" };

/** `--name=value` flags of one component as a map (value "" for a bare flag). */
function flags(component: (typeof COMPONENTS)[number]): Map<string, string> {
  return new Map(
    componentArgs(component, rt).map((arg) => {
      const eq = arg.indexOf("=");
      return eq < 0 ? [arg, ""] : [arg.slice(0, eq), arg.slice(eq + 1)];
    }),
  );
}

describe("component command lines", () => {
  it("every flag is --name=value, given once, and every address is loopback or a file of this cluster", () => {
    for (const component of COMPONENTS) {
      const args = componentArgs(component, rt);
      expect(args.every((a) => /^--[a-z-]+=/.test(a))).toBe(true);
      expect(new Set(args.map((a) => a.split("=")[0])).size).toBe(args.length);
      // The service-account issuer is a name written into tokens, never dialled.
      const dialled = args.filter((a) => !a.startsWith("--service-account-issuer="));
      for (const url of dialled.flatMap((a) => a.match(/\w+:\/\/[^,\s]+/g) ?? [])) expect(url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    }
  });

  it("etcd serves clients and its peer port over mutual TLS with its own CA, on this cluster's ports", () => {
    const f = flags("etcd");
    expect(f.get("--listen-client-urls")).toBe("https://127.0.0.1:41001");
    expect(f.get("--listen-peer-urls")).toBe("https://127.0.0.1:41002");
    expect(f.get("--initial-cluster")).toBe("alpha=https://127.0.0.1:41002");
    expect(f.get("--client-cert-auth")).toBe("true");
    expect(f.get("--peer-client-cert-auth")).toBe("true");
    expect(f.get("--trusted-ca-file")).toBe("/tmp/kube/alpha/pki/etcd-ca.crt");
    expect(f.get("--data-dir")).toBe("/tmp/kube/alpha/etcd");
  });

  it("the API server: loopback only, client certificates, no anonymous access, RBAC, Pod Security, audit, front proxy", () => {
    const f = flags("kube-apiserver");
    expect(f.get("--bind-address")).toBe("127.0.0.1");
    expect(f.get("--secure-port")).toBe("41003");
    expect(f.get("--advertise-address")).toBe("10.1.2.3");
    expect(f.get("--anonymous-auth")).toBe("false");
    expect(f.get("--client-ca-file")).toBe("/tmp/kube/alpha/pki/ca.crt");
    expect(f.get("--authorization-mode")?.split(",")).toContain("RBAC");
    expect(f.get("--enable-admission-plugins")?.split(",")).toEqual(expect.arrayContaining(["PodSecurity", "NodeRestriction"]));
    expect(f.get("--admission-control-config-file")).toBe("/tmp/kube/alpha/config/admission.yaml");
    expect(f.get("--allow-privileged")).toBe("false");
    expect(f.get("--audit-log-path")).toBe("/tmp/kube/alpha/logs/audit.log");
    expect(f.get("--audit-policy-file")).toBe("/tmp/kube/alpha/config/audit-policy.yaml");
    expect(f.get("--etcd-servers")).toBe("https://127.0.0.1:41001");
    expect(f.get("--etcd-certfile")).toBe("/tmp/kube/alpha/pki/apiserver-etcd-client.crt");
    expect(f.get("--requestheader-client-ca-file")).toBe("/tmp/kube/alpha/pki/front-proxy-ca.crt");
    expect(f.get("--requestheader-allowed-names")).toBe("front-proxy-client");
    expect(f.get("--proxy-client-cert-file")).toBe("/tmp/kube/alpha/pki/front-proxy-client.crt");
    expect(f.get("--service-account-signing-key-file")).toBe("/tmp/kube/alpha/pki/sa.key");
  });

  it("controller-manager and scheduler use their own identities, loopback ports and no leader election", () => {
    const cm = flags("kube-controller-manager");
    const sched = flags("kube-scheduler");
    expect(cm.get("--kubeconfig")).toBe("/tmp/kube/alpha/controller-manager.kubeconfig");
    expect(sched.get("--kubeconfig")).toBe("/tmp/kube/alpha/scheduler.kubeconfig");
    for (const [f, port] of [[cm, "41004"], [sched, "41005"]] as const) {
      expect(f.get("--bind-address")).toBe("127.0.0.1");
      expect(f.get("--secure-port")).toBe(port);
      expect(f.get("--leader-elect")).toBe("false");
      expect(f.get("--authentication-kubeconfig")).toBe(f.get("--kubeconfig"));
    }
    expect(cm.get("--service-account-private-key-file")).toBe("/tmp/kube/alpha/pki/sa.key");
    expect(cm.get("--use-service-account-credentials")).toBe("true");
  });

  it("kwok manages the cluster's nodes with the toolchain's stages and serves on loopback only", () => {
    const f = flags("kwok");
    expect(f.get("--kubeconfig")).toBe("/tmp/kube/alpha/kwok.kubeconfig");
    expect(f.get("--config")).toBe("/tc/kwok/stages.yaml");
    expect(f.get("--manage-all-nodes")).toBe("true");
    expect(Number(f.get("--node-lease-duration-seconds"))).toBeGreaterThan(0);
    expect(f.get("--server-address")).toBe("127.0.0.1:41006");
  });
});

describe("a cluster's folder", () => {
  it("is <root>/<region>, and refuses a relative root or a region that is not a plain name", () => {
    const layout = clusterLayout("/r", "beta");
    expect([layout.dir, layout.kubeconfig, layout.kubeconfigOf("kwok"), layout.pidFile("etcd"), layout.pkiFile("ca.crt")]).toEqual([
      "/r/beta",
      "/r/beta/kubeconfig",
      "/r/beta/kwok.kubeconfig",
      "/r/beta/run/etcd.pid",
      "/r/beta/pki/ca.crt",
    ]);
    expect(() => clusterLayout("state/kube", "beta")).toThrow("cluster root state/kube: must be an absolute path");
    expect(() => clusterLayout("/r", "../etc")).toThrow(/region "\.\.\/etc": must be a lower-case name/);
  });
});
