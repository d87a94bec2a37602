import * as pulumi from "@pulumi/pulumi";

/** Stack outputs of peer stacks, by stack name; `undefined` means the stack exists but was never deployed. */
export type PeerOutputs = Record<string, Record<string, unknown> | undefined>;

const CA = Buffer.from("-----BEGIN CERTIFICATE-----\nmock\n-----END CERTIFICATE-----\n").toString("base64");

/** Outputs the clouds would compute that the program reads (endpoints, CA data, OIDC issuer); inputs echo back. */
export function mockResourceState(args: pulumi.runtime.MockResourceArgs, peers: PeerOutputs): Record<string, unknown> {
  const name = (args.inputs.name as string | undefined) ?? args.name;
  switch (args.type) {
    case "pulumi:pulumi:StackReference":
      return { ...args.inputs, outputs: peerOutputs(peers, String(args.inputs.name)) ?? {}, secretOutputNames: [] };
    case "aws:eks/cluster:Cluster":
      return {
        ...args.inputs,
        name,
        endpoint: `https://${name}.gr7.${String(args.inputs.region ?? "us-east-2")}.eks.amazonaws.com`,
        certificateAuthority: { data: CA },
        identities: [{ oidcs: [{ issuer: `https://oidc.eks.amazonaws.com/id/${name.toUpperCase()}` }] }],
        arn: `arn:aws:eks:mock:123456789012:cluster/${name}`,
      };
    case "aws:ec2/launchTemplate:LaunchTemplate":
      return { ...args.inputs, name, latestVersion: 1, arn: `arn:aws:mock:::${args.name}` };
    case "gcp:container/cluster:Cluster":
      return { ...args.inputs, name, endpoint: "10.30.0.2", masterAuth: { clusterCaCertificate: CA } };
    default:
      return { ...args.inputs, name, ...(args.type.startsWith("aws:") ? { arn: `arn:aws:mock:::${args.name}` } : {}) };
  }
}

/** Peers are found by full stack name (`org/project/stack`) or by the bare stack name. */
function peerOutputs(peers: PeerOutputs, stackName: string): Record<string, unknown> | undefined {
  return peers[stackName] ?? peers[stackName.split("/").pop() ?? stackName];
}

/** Invoke results the program needs: the AKS user credentials (a kubeconfig, base64 like Azure returns it). */
export function mockCall(args: pulumi.runtime.MockCallArgs): Record<string, unknown> {
  if (args.token === "azure-native:containerservice:listManagedClusterUserCredentials") {
    const kubeconfig = `apiVersion: v1\nkind: Config\nclusters:\n- name: ${String(args.inputs.resourceName)}\n`;
    return { kubeconfigs: [{ name: "clusterUser", value: Buffer.from(kubeconfig).toString("base64") }] };
  }
  return args.inputs as Record<string, unknown>;
}
