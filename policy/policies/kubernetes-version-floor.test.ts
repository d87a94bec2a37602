import { KUBERNETES_FLOOR_MINOR } from "../../components/validation";
import { edit, ofType } from "../testing/fixtures";
import { messagesOf } from "../testing/harness";
import { stackRecords } from "../testing/program";
import { kubernetesVersionFloor, minorOf } from "./kubernetes-version-floor";

describe("kubernetes-version-floor", () => {
  it.each(["alpha", "beta", "gamma"] as const)("passes on the %s stack", async (stack) => {
    expect(await messagesOf(kubernetesVersionFloor, await stackRecords(stack))).toEqual([]);
  });

  it("reads the minor of EKS, AKS and GKE version strings", () => {
    expect(["1.33", "1.31.4", "1.30.5-gke.1014001", "v1.29", "2.0", "latest"].map(minorOf)).toEqual([33, 31, 30, 29, undefined, undefined]);
  });

  it("fails when the EKS control plane is below the floor", async () => {
    const records = edit(await stackRecords("alpha"), ofType("aws:eks/cluster:Cluster"), (p) => { p.version = "1.29"; });
    expect(await messagesOf(kubernetesVersionFloor, records)).toEqual([expect.stringContaining(`version 1.29 is below the floor 1.${KUBERNETES_FLOOR_MINOR}`)]);
  });

  it("fails when an AKS pool lags below the floor or the GKE version is not pinned", async () => {
    const beta = edit(await stackRecords("beta"), ofType("azure-native:containerservice:ManagedCluster"), (p) => { p.agentPoolProfiles[0].orchestratorVersion = "1.27.9"; });
    expect(await messagesOf(kubernetesVersionFloor, beta)).toEqual([expect.stringContaining("agentPoolProfiles[0].orchestratorVersion 1.27.9 is below the floor")]);
    const gamma = edit(await stackRecords("gamma"), ofType("gcp:container/cluster:Cluster"), (p) => { delete p.minMasterVersion; });
    expect(await messagesOf(kubernetesVersionFloor, gamma)).toEqual([expect.stringContaining("minMasterVersion is not set: pin a Kubernetes version")]);
  });

  it("takes a higher floor from the policy config", async () => {
    const messages = await messagesOf(kubernetesVersionFloor, await stackRecords("alpha"), { "kubernetes-version-floor": { minimumMinor: 40 } });
    expect(messages).toEqual([expect.stringContaining("is below the floor 1.40")]);
  });
});
