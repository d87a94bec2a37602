import { regionalStackSuite } from "./testing/regionalSuite";

regionalStackSuite({
  region: "alpha",
  dsp: "dsp-1",
  cloudPrefix: "aws:",
  clusterType: "aws:eks/cluster:Cluster",
  providerType: "pulumi:providers:aws",
  location: { key: "region", value: "us-east-2" },
  clusterHardening: {
    version: "1.33",
    vpcConfig: { endpointPrivateAccess: true, publicAccessCidrs: ["198.51.100.0/24"] },
    encryptionConfig: { resources: ["secrets"] },
    enabledClusterLogTypes: ["api", "audit", "authenticator", "controllerManager", "scheduler"],
  },
  resourceHardening: [
    { type: "aws:ec2/launchTemplate:LaunchTemplate", inputs: { metadataOptions: { httpTokens: "required", httpPutResponseHopLimit: 1 } } },
    { type: "aws:eks/nodeGroup:NodeGroup", inputs: { launchTemplate: { name: "dsc-alpha-general" } } },
  ],
  peers: ["beta", "gamma"],
  wrongGeography: {
    config: { "dsc:aws": JSON.stringify({ region: "eu-west-1", availabilityZones: ["eu-west-1a", "eu-west-1b", "eu-west-1c"], publicAccessCidrs: ["198.51.100.0/24"] }) },
    error: /dsc:aws\.region: "eu-west-1" is not a US AWS region; use one of us-east-1/,
  },
});
