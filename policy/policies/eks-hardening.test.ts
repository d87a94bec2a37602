import { edit, ofType } from "../testing/edit";
import { messagesOf } from "../testing/harness";
import { stackRecords } from "../testing/program";
import { EKS_CLUSTER, eksHardening } from "./eks-hardening";

const breakEks = async (change: (props: Record<string, unknown>) => void) =>
  messagesOf(eksHardening, edit(await stackRecords("alpha"), ofType(EKS_CLUSTER), change));

describe("eks-hardening", () => {
  it("passes on the alpha stack", async () => {
    expect(await messagesOf(eksHardening, await stackRecords("alpha"))).toEqual([]);
  });

  it("fails without secrets encryption", async () => {
    expect(await breakEks((p) => { delete p.encryptionConfig; })).toEqual([expect.stringMatching(/aws:eks\/cluster:Cluster ".*": secrets are not envelope-encrypted/)]);
  });

  it("fails when audit logging is off", async () => {
    expect(await breakEks((p) => { p.enabledClusterLogTypes = ["api"]; })).toEqual([expect.stringContaining("control-plane logging misses audit, authenticator")]);
  });

  it("fails when the API endpoint is open to the world", async () => {
    expect(await breakEks((p) => { p.vpcConfig = { endpointPublicAccess: true, publicAccessCidrs: ["0.0.0.0/0"] }; }))
      .toEqual([expect.stringContaining("the API endpoint is public to 0.0.0.0/0")]);
  });

  it("accepts a public endpoint restricted to known CIDRs", async () => {
    expect(await breakEks((p) => { p.vpcConfig = { endpointPublicAccess: true, publicAccessCidrs: ["203.0.113.0/24"] }; })).toEqual([]);
  });
});
