import { edit, ofType } from "../testing/edit";
import { messagesOf } from "../testing/harness";
import { stackRecords } from "../testing/program";
import { GKE_CLUSTER, GKE_NODE_POOL, gkeHardening } from "./gke-hardening";

type Props = Record<string, unknown>;
const breakGke = async (type: string, change: (props: Props) => void) =>
  messagesOf(gkeHardening, edit(await stackRecords("gamma"), ofType(type), change));
const nodeConfig = (p: Props) => p.nodeConfig as Props;

describe("gke-hardening", () => {
  it("passes on the gamma stack", async () => {
    expect(await messagesOf(gkeHardening, await stackRecords("gamma"))).toEqual([]);
  });

  it.each([
    ["private nodes are off", (p: Props) => { p.privateClusterConfig = { enablePrivateNodes: false }; }, "nodes have public IPs"],
    ["Workload Identity is off", (p: Props) => { delete p.workloadIdentityConfig; }, "Workload Identity is off"],
    ["shielded nodes are off", (p: Props) => { p.enableShieldedNodes = false; }, "shielded nodes are not enforced"],
    ["secrets are not KMS-encrypted", (p: Props) => { p.databaseEncryption = { state: "DECRYPTED" }; }, "secrets are not encrypted with Cloud KMS"],
  ])("fails when %s", async (_case, change, message) => {
    expect(await breakGke(GKE_CLUSTER, change)).toEqual([expect.stringMatching(new RegExp(`Cluster ".*": ${message}`))]);
  });

  it.each([
    ["runs as the Compute Engine default account", (p: Props) => { nodeConfig(p).serviceAccount = "123456789-compute@developer.gserviceaccount.com"; }, "Compute Engine default service account"],
    ["holds the cloud-platform scope", (p: Props) => { nodeConfig(p).oauthScopes = ["https://www.googleapis.com/auth/cloud-platform"]; }, "beyond logs, metrics and image pulls \\(https://www.googleapis.com/auth/cloud-platform\\)"],
    ["sets no scopes (GKE's broad defaults)", (p: Props) => { delete nodeConfig(p).oauthScopes; }, "none set"],
    ["boots without secure boot", (p: Props) => { nodeConfig(p).shieldedInstanceConfig = { enableSecureBoot: false, enableIntegrityMonitoring: true }; }, "without secure boot or integrity monitoring"],
    ["boots without integrity monitoring", (p: Props) => { nodeConfig(p).shieldedInstanceConfig = { enableSecureBoot: true }; }, "without secure boot or integrity monitoring"],
    ["exposes the node's metadata", (p: Props) => { nodeConfig(p).workloadMetadataConfig = { mode: "GCE_METADATA" }; }, "node's metadata credentials"],
  ])("fails when a node pool %s", async (_case, change, message) => {
    expect(await breakGke(GKE_NODE_POOL, change)).toEqual([expect.stringMatching(new RegExp(`NodePool ".*": .*${message}`))]);
  });
});
