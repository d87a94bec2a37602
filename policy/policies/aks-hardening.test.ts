import { edit, ofType } from "../testing/edit";
import { messagesOf } from "../testing/harness";
import { stackRecords } from "../testing/program";
import { AKS_CLUSTER, aksHardening } from "./aks-hardening";

const breakAks = async (change: (props: Record<string, unknown>) => void) =>
  messagesOf(aksHardening, edit(await stackRecords("beta"), ofType(AKS_CLUSTER), change));

describe("aks-hardening", () => {
  it("passes on the beta stack", async () => {
    expect(await messagesOf(aksHardening, await stackRecords("beta"))).toEqual([]);
  });

  it("fails when local accounts are enabled", async () => {
    expect(await breakAks((p) => { p.disableLocalAccounts = false; })).toEqual([expect.stringMatching(/ManagedCluster ".*": local accounts are enabled: set disableLocalAccounts true/)]);
  });

  it("fails without Entra ID and Azure RBAC", async () => {
    expect(await breakAks((p) => { delete p.aadProfile; })).toEqual([expect.stringContaining("Entra ID with Azure RBAC is off")]);
  });

  it("fails when Kubernetes RBAC is disabled", async () => {
    expect(await breakAks((p) => { p.enableRBAC = false; })).toEqual([expect.stringContaining("Kubernetes RBAC is disabled")]);
  });

  it("fails when the API server is public, even restricted to ranges", async () => {
    expect(await breakAks((p) => { p.apiServerAccessProfile = { authorizedIPRanges: ["203.0.113.0/24"] }; })).toEqual([expect.stringContaining("the API server has a public endpoint")]);
  });

  it("fails without Container Insights", async () => {
    expect(await breakAks((p) => { delete p.addonProfiles; })).toEqual([expect.stringContaining("Container Insights is off")]);
  });
});
