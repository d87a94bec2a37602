import { expandEnvRefs, localUrl, localUrlList, planLocalProcess, type PodTemplate } from "./podProcess";

const ports = { alpha: { api: 21001, peer: 21002, watcher: 21003 }, beta: { api: 22001, peer: 22002, watcher: 22003 } };

describe("localUrl", () => {
  it("turns a region's in-cluster peer and API addresses into its loopback ports", () => {
    expect(localUrl("wss://replication-0.replication-headless.dsc-replication-beta.svc.cluster.local:7070", ports)).toBe("wss://127.0.0.1:22002");
    expect(localUrl("http://replication-api.dsc-replication-alpha.svc.cluster.local:8080", ports)).toBe("http://127.0.0.1:21001");
  });
  it("keeps other URLs and unknown regions", () => {
    expect(localUrl("http://127.0.0.1:8545", ports)).toBe("http://127.0.0.1:8545");
    expect(localUrl("http://x.dsc-replication-delta.svc.cluster.local:8080", ports)).toBe("http://x.dsc-replication-delta.svc.cluster.local:8080");
    expect(localUrl("not a url", ports)).toBe("not a url");
  });
  it("makes a NAME=URL list local: one entry per local address, none of its own region", () => {
    const list =
      "alpha-0=wss://replication-0.h.dsc-replication-alpha.svc.cluster.local:7070,beta=wss://replication-peer.dsc-replication-beta.svc.cluster.local:7070," +
      "beta-1=wss://replication-1.h.dsc-replication-beta.svc.cluster.local:7070";
    expect(localUrlList(list, ports, "alpha")).toBe("beta=wss://127.0.0.1:22002");
    expect(localUrlList(list, ports)).toBe("alpha-0=wss://127.0.0.1:21002,beta=wss://127.0.0.1:22002");
  });
});

const template: PodTemplate = {
  spec: {
    containers: [
      {
        name: "replication",
        envFrom: [{ configMapRef: { name: "cfg" } }],
        env: [
          { name: "DSC_REGION", value: "alpha" },
          { name: "DSC_REPLICA", valueFrom: { fieldRef: { fieldPath: "metadata.labels['apps.kubernetes.io/pod-index']" } } },
          { name: "DSC_API_LISTEN", value: "0.0.0.0:8080" },
          { name: "DSC_PEERS", value: "alpha-0=wss://replication-0.replication-headless.dsc-replication-alpha.svc.cluster.local:7070,beta=wss://replication-peer.dsc-replication-beta.svc.cluster.local:7070" },
          { name: "DSC_DATA_DIR", value: "/data" },
          { name: "DSC_TLS_CERT_FILE", value: "/etc/dsc/tls/tls-$(DSC_REPLICA).crt" },
          { name: "DSC_NEW_LIMIT", valueFrom: { configMapKeyRef: { name: "cfg", key: "limit" } } },
        ],
        volumeMounts: [
          { name: "data", mountPath: "/data" },
          { name: "tls", mountPath: "/etc/dsc/tls" },
          { name: "tmp", mountPath: "/tmp" },
        ],
      },
    ],
    volumes: [
      { name: "tls", secret: { secretName: "replication-tls", items: [{ key: "tls-0.crt", path: "tls-0.crt" }] } },
      { name: "tmp", emptyDir: {} },
    ],
  },
};

describe("expandEnvRefs", () => {
  const defined = { DSC_REPLICA: "2", HOME_DIR: "/h" };
  it("puts in the values of names defined before", () => {
    expect(expandEnvRefs("/tls/tls-$(DSC_REPLICA).crt", defined)).toBe("/tls/tls-2.crt");
    expect(expandEnvRefs("$(HOME_DIR)/$(DSC_REPLICA)", defined)).toBe("/h/2");
  });
  it("keeps references to undefined names and unescapes $$", () => {
    expect(expandEnvRefs("a-$(UNSET)-b", defined)).toBe("a-$(UNSET)-b");
    expect(expandEnvRefs("$$(DSC_REPLICA) costs $$5", defined)).toBe("$(DSC_REPLICA) costs $5");
    expect(expandEnvRefs("$DSC_REPLICA", defined)).toBe("$DSC_REPLICA");
  });
});

describe("planLocalProcess", () => {
  const objects = { configMaps: { cfg: { DSC_LOG_LEVEL: "debug", limit: "7" } }, secrets: { "replication-tls": { "tls-0.crt": "CERT", "tls-0.key": "KEY" } } };
  const plan = planLocalProcess({ template, objects, dir: "/s/alpha/replication", region: "alpha", ports, listen: { DSC_API_LISTEN: 21001 } });

  it("gives the pod's settings with local paths, loopback peers and listen ports", () => {
    expect(plan.env).toEqual({
      DSC_LOG_LEVEL: "debug",
      DSC_REGION: "alpha",
      DSC_REPLICA: "0",
      DSC_API_LISTEN: "127.0.0.1:21001",
      DSC_PEERS: "beta=wss://127.0.0.1:22002",
      DSC_DATA_DIR: "/s/alpha/replication/data",
      DSC_TLS_CERT_FILE: "/s/alpha/replication/tls/tls-0.crt", // $(DSC_REPLICA) expanded as the kubelet does
      DSC_NEW_LIMIT: "7",
      limit: "7", // envFrom exports every key of the ConfigMap, as Kubernetes does
    });
  });
  it("writes only the Secret keys the volume names, and sorts fresh from kept folders", () => {
    expect(plan.files).toEqual({ "/s/alpha/replication/tls/tls-0.crt": "CERT" });
    expect(plan.freshDirs).toEqual(["/s/alpha/replication/tmp"]);
    expect(plan.keptDirs).toEqual(["/s/alpha/replication/data"]);
  });
  it("names what the cluster lacks", () => {
    expect(() => planLocalProcess({ template, objects: { configMaps: {}, secrets: {} }, dir: "/s", region: "alpha", ports, listen: {} })).toThrow(/Secret replication-tls not found in the cluster/);
    expect(() => planLocalProcess({ template: { spec: { containers: [] } }, objects, dir: "/s", region: "alpha", ports, listen: {} })).toThrow(/no container/);
  });
});
