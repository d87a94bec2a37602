import { regionalStackSuite } from "./testing/regionalSuite";

regionalStackSuite({
  region: "beta",
  dsp: "dsp-2",
  cloudPrefix: "azure-native:",
  clusterType: "azure-native:containerservice:ManagedCluster",
  providerType: "pulumi:providers:azure-native",
  location: { key: "location", value: "westeurope" },
  clusterHardening: {
    location: "westeurope",
    kubernetesVersion: "1.33",
    disableLocalAccounts: true,
    aadProfile: { managed: true, enableAzureRBAC: true },
    apiServerAccessProfile: { enablePrivateCluster: true },
    agentPoolProfiles: [{ mode: "System", enableAutoScaling: true }],
  },
  peers: ["alpha", "gamma"],
  wrongGeography: {
    config: { "dsc:azure": JSON.stringify({ location: "eastus", adminGroupObjectIds: ["5a7c2e61-3f0b-4d8e-9b1a-2c4d6e8f0a13"] }) },
    error: /dsc:azure\.location: "eastus" is not a European Azure location/,
  },
});
