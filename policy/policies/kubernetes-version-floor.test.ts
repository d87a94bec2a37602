import { KUBERNETES_FLOOR_MINOR } from "../../components/validation";
import { edit, ofType } from "../testing/edit";
import { messagesOf } from "../testing/harness";
import { stackRecords } from "../testing/program";
import { kubernetesVersionFloor, minorOf } from "./kubernetes-version-floor";

const AKS = "azure-native:containerservice:ManagedCluster";

describe("kubernetes-version-floor", () => {
  it("passes on the beta stack", async () => {
    expect(await messagesOf(kubernetesVersionFloor, await stackRecords("beta"))).toEqual([]);
  });

  it("reads the minor of EKS, AKS and GKE version strings", () => {
    expect(["1.33", "1.31.4", "1.30.5-gke.1014001", "v1.29", "2.0", "latest"].map(minorOf)).toEqual([33, 31, 30, 29, undefined, undefined]);
  });

  it("fails when the control plane is below the floor", async () => {
    const records = edit(await stackRecords("beta"), ofType(AKS), (p) => { p.kubernetesVersion = "1.29"; });
    expect(await messagesOf(kubernetesVersionFloor, records)).toEqual([expect.stringContaining(`kubernetesVersion 1.29 is below the floor 1.${KUBERNETES_FLOOR_MINOR}`)]);
  });

  it("fails when a node pool lags below the floor or the version is not pinned", async () => {
    const lagging = edit(await stackRecords("beta"), ofType("azure-native:containerservice:AgentPool"), (p) => { p.orchestratorVersion = "1.27.9"; });
    expect(await messagesOf(kubernetesVersionFloor, lagging)).toContainEqual(expect.stringContaining("orchestratorVersion 1.27.9 is below the floor"));
    const unpinned = edit(await stackRecords("beta"), ofType(AKS), (p) => { delete p.kubernetesVersion; });
    expect(await messagesOf(kubernetesVersionFloor, unpinned)).toEqual([expect.stringContaining("kubernetesVersion is not set: pin a Kubernetes version")]);
  });

  it("takes a higher floor from the policy config", async () => {
    const messages = await messagesOf(kubernetesVersionFloor, await stackRecords("beta"), { "kubernetes-version-floor": { minimumMinor: 40 } });
    expect(messages).toContainEqual(expect.stringContaining("is below the floor 1.40"));
  });
});
