import { edit, ofType } from "../testing/edit";
import { messagesOf } from "../testing/harness";
import { stackRecords } from "../testing/program";
import { EKS_ADDON, EKS_CLUSTER, eksHardening, LAUNCH_TEMPLATE } from "./eks-hardening";

type Props = Record<string, unknown>;
const breakAlpha = async (type: string, change: (props: Props) => void) => messagesOf(eksHardening, edit(await stackRecords("alpha"), ofType(type), change));
const breakEks = (change: (props: Props) => void) => breakAlpha(EKS_CLUSTER, change);

describe("eks-hardening", () => {
  it("passes on the alpha stack", async () => {
    expect(await messagesOf(eksHardening, await stackRecords("alpha"))).toEqual([]);
  });

  it("fails without secrets encryption", async () => {
    expect(await breakEks((p) => { delete p.encryptionConfig; })).toEqual([expect.stringMatching(/aws:eks\/cluster:Cluster ".*": secrets are not envelope-encrypted/)]);
  });

  it("fails when any control-plane log type is off", async () => {
    expect(await breakEks((p) => { p.enabledClusterLogTypes = ["api", "audit", "authenticator"]; })).toEqual([expect.stringContaining("control-plane logging misses controllerManager, scheduler")]);
  });

  it("fails when the private endpoint is off", async () => {
    expect(await breakEks((p) => { (p.vpcConfig as Props).endpointPrivateAccess = false; })).toEqual([expect.stringContaining("the private API endpoint is off")]);
  });

  it("fails when the API endpoint is open to the world", async () => {
    expect(await breakEks((p) => { p.vpcConfig = { endpointPrivateAccess: true, endpointPublicAccess: true, publicAccessCidrs: ["0.0.0.0/0"] }; }))
      .toEqual([expect.stringContaining("the API endpoint is public to 0.0.0.0/0")]);
  });

  it("accepts a private-only endpoint", async () => {
    expect(await breakEks((p) => { p.vpcConfig = { endpointPrivateAccess: true, endpointPublicAccess: false }; })).toEqual([]);
  });

  it("fails when NetworkPolicy enforcement is off in the VPC CNI add-on", async () => {
    expect(await breakAlpha(EKS_ADDON, (p) => { p.configurationValues = "{}"; })).toEqual([expect.stringContaining("NetworkPolicy is not enforced")]);
  });

  it("fails when a node group's launch template allows IMDSv1 or a second hop", async () => {
    expect(await breakAlpha(LAUNCH_TEMPLATE, (p) => { (p.metadataOptions as Props).httpTokens = "optional"; })).toEqual([expect.stringMatching(/NodeGroup ".*" uses .*LaunchTemplate.*allows IMDSv1 or more than one hop/)]);
    expect(await breakAlpha(LAUNCH_TEMPLATE, (p) => { (p.metadataOptions as Props).httpPutResponseHopLimit = 2; })).toEqual([expect.stringContaining("allows IMDSv1 or more than one hop")]);
  });

  it("fails when a node group has no launch template", async () => {
    expect(await breakAlpha("aws:eks/nodeGroup:NodeGroup", (p) => { delete p.launchTemplate; })).toEqual([expect.stringMatching(/NodeGroup ".*": the nodes' instance metadata allows IMDSv1/)]);
  });
});
