import { regionalStackSuite } from "./testing/regionalSuite";

regionalStackSuite({
  region: "gamma",
  dsp: "dsp-3",
  cloudPrefix: "gcp:",
  clusterType: "gcp:container/cluster:Cluster",
  providerType: "pulumi:providers:gcp",
  location: { key: "region", value: "asia-southeast1" },
  clusterHardening: {
    location: "asia-southeast1",
    privateClusterConfig: { enablePrivateNodes: true },
    workloadIdentityConfig: { workloadPool: "dsc-dsp3-gamma.svc.id.goog" },
    enableShieldedNodes: true,
    releaseChannel: { channel: "REGULAR" },
    databaseEncryption: { state: "ENCRYPTED" },
  },
  resourceHardening: [
    {
      type: "gcp:container/nodePool:NodePool",
      inputs: {
        nodeConfig: {
          serviceAccount: "dsc-gamma-nodes@dsc-dsp3-gamma.iam.gserviceaccount.com",
          oauthScopes: ["logging.write", "monitoring", "devstorage.read_only"].map((s) => `https://www.googleapis.com/auth/${s}`),
          shieldedInstanceConfig: { enableSecureBoot: true, enableIntegrityMonitoring: true },
          workloadMetadataConfig: { mode: "GKE_METADATA" },
        },
      },
    },
  ],
  peers: ["alpha", "beta"],
  wrongGeography: {
    config: { "dsc:gcp": JSON.stringify({ project: "dsc-dsp3-gamma", projectNumber: "418529374610", region: "us-central1", masterAuthorizedCidrs: ["192.0.2.0/24"] }) },
    error: /dsc:gcp\.region: "us-central1" is not an Asian GCP region/,
  },
});
