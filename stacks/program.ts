import * as aws from "@pulumi/aws";
import * as azure from "@pulumi/azure-native";
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import * as path from "path";
import { AwsCluster, awsHardeningExceptions } from "../components/cluster/aws";
import { AzureCluster, azureHardeningExceptions } from "../components/cluster/azure";
import { GcpCluster, gcpHardeningExceptions } from "../components/cluster/gcp";
import { LocalCluster, localKubeconfigFile, localRenderDirectory } from "../components/cluster/local";
import { DspCluster } from "../components/cluster/types";
import { GuardianWatchers } from "../components/guardian/guardianWatchers";
import { federationCloudTags, federationK8sLabels } from "../components/labels";
import { defaultDenyIngress } from "../components/workload/networkPolicy";
import { FederationOwner } from "../components/validation";
import { ReplicationLayer } from "../components/replication/replicationLayer";
import { PeerEndpoint, ReplicationSettings, asReplicaList, peerUrl } from "../components/replication/spec";
import { LocalStackConfig, NAMESPACE, REGIONS, RegionalStackConfig, parseStackConfig } from "./config";
import { PEER_ENDPOINT_OUTPUT, resolvePeers } from "./peers";

/** The project root (where Pulumi.yaml is): relative paths in config resolve from here, not from the cwd. */
export const PROJECT_ROOT = path.resolve(__dirname, "..");

/**
 * The whole Pulumi program as a function, so tests and benchmarks can run it several times in one process.
 * Cloud stacks build one region; the `local` stack builds all three regions against rendered manifests.
 */
export function federationProgram(): Record<string, unknown> {
  const cfg = parseStackConfig(pulumi.runtime.allConfig());
  return cfg.cloud === "local" ? localFederation(cfg) : regionalStack(cfg);
}

function regionalStack(cfg: RegionalStackConfig): Record<string, unknown> {
  const owner: FederationOwner = { region: cfg.region, dsp: cfg.dsp };
  const { cluster, hardeningExceptions } = buildCluster(cfg, owner);
  for (const off of hardeningExceptions) void pulumi.log.warn(`${cfg.region}: hardening switched off by config: ${off}`);
  const peers = resolvePeers(cfg.region, cfg.peers);
  const replication = installWorkloads(cfg, cluster, peers.wired);
  return {
    region: cfg.region,
    dsp: cfg.dsp,
    cloud: cfg.cloud,
    location: cluster.location,
    clusterName: cluster.clusterName,
    kubeconfig: cluster.kubeconfig,
    replicationEndpoint: replication.apiEndpoint,
    [PEER_ENDPOINT_OUTPUT]: replication.peerEndpoint,
    wiredPeers: peers.wired.apply((w) => w.map((p) => p.name)),
    missingPeers: peers.missing,
    hardeningExceptions,
  };
}

function buildCluster(cfg: RegionalStackConfig, owner: FederationOwner): { cluster: DspCluster; hardeningExceptions: string[] } {
  const name = cfg.region;
  const base = { owner, kubernetesVersion: cfg.kubernetesVersion, nodePools: cfg.nodePools };
  switch (cfg.cloud) {
    case "aws": {
      const awsProvider = new aws.Provider(`${name}-aws`, { region: cfg.aws.region, defaultTags: { tags: federationCloudTags(owner) } });
      return { cluster: new AwsCluster(name, { ...base, aws: cfg.aws }, { awsProvider }), hardeningExceptions: awsHardeningExceptions(cfg.aws) };
    }
    case "azure": {
      const azureProvider = new azure.Provider(`${name}-azure`, { location: cfg.azure.location });
      return { cluster: new AzureCluster(name, { ...base, azure: cfg.azure }, { azureProvider }), hardeningExceptions: azureHardeningExceptions(cfg.azure) };
    }
    case "gcp": {
      const gcpProvider = new gcp.Provider(`${name}-gcp`, { project: cfg.gcp.project, region: cfg.gcp.region, defaultLabels: federationCloudTags(owner) });
      return { cluster: new GcpCluster(name, { ...base, gcp: cfg.gcp }, { gcpProvider }), hardeningExceptions: gcpHardeningExceptions(cfg.gcp) };
    }
  }
}

type WorkloadConfig = Pick<RegionalStackConfig, "images" | "replication" | "chain" | "replicationCaCert" | "replicationTlsCerts" | "replicationTlsKeys" | "replicationAuthKeys" | "watcherReplicationToken">;

function replicationSettings(cfg: WorkloadConfig, cluster: DspCluster): ReplicationSettings {
  return { ...cfg.replication, owner: cluster.owner, image: cfg.images.replication, peerExposure: cluster.peerExposure };
}

/** Install the two layers on one region's cluster, through that cluster's provider only. */
function installWorkloads(cfg: WorkloadConfig, cluster: DspCluster, remotePeers: pulumi.Input<PeerEndpoint[]>): ReplicationLayer {
  const config = new pulumi.Config(NAMESPACE);
  const region = cluster.owner.region;
  const agentKeys = config.requireSecretObject<Record<string, string>>("watcherAgentKeys");
  const tlsKeys = config.requireSecretObject<Record<string, string | string[]>>("replicationTlsKeys");
  const replication = new ReplicationLayer(
    `${region}-replication`,
    {
      settings: replicationSettings(cfg, cluster),
      remotePeers,
      peerSecret: config.requireSecret("replicationPeerSecret"),
      authKeys: JSON.stringify(cfg.replicationAuthKeys),
      // parseStackConfig has checked that every replica of this region has its certificate and key. The keys are
      // taken from the secret config output (not the parsed copy) so that they stay secret in state.
      tls: {
        caCert: cfg.replicationCaCert,
        certs: cfg.replicationTlsCerts[region] ?? [],
        keys: (cfg.replicationTlsKeys?.[region] ?? []).map((_, i) => tlsKeys.apply((k) => asReplicaList(k[region])[i])),
      },
    },
    { provider: cluster.provider },
  );
  const guardian = new GuardianWatchers(
    `${region}-guardian`,
    {
      settings: { owner: cluster.owner, image: cfg.images.watcher, chain: cfg.chain },
      agentKey: agentKeys.apply((k) => k[region] ?? ""),
      // The replication detector polls its own region's node through the in-cluster data API. No peer is passed:
      // the other regions' data APIs are ClusterIP only (their clusters expose just the mutual-TLS peer port), so
      // nothing a peer stack exports is reachable from this cluster; the node's own status carries its peer links.
      // Required for cloud stacks (parseStackConfig); without it (local stack only) the detector stays off.
      ...(cfg.watcherReplicationToken === undefined
        ? {}
        : { replicationEndpoint: replication.apiEndpoint, replicationToken: config.requireSecret("watcherReplicationToken") }),
    },
    { provider: cluster.provider },
  );
  // Every federation namespace denies ingress by default (the policy pack requires it); the watchers serve nothing
  // another pod needs. Belongs in GuardianWatchers itself once its owner moves it there.
  defaultDenyIngress(`${region}-guardian-default-deny`, guardian.namespace, federationK8sLabels(cluster.owner), { provider: cluster.provider, parent: guardian });
  return replication;
}

/** The stack's settings as one region of the local stack gets them (its own replication resources, when set). */
function regionOverrides(cfg: LocalStackConfig, region: (typeof REGIONS)[number]): LocalStackConfig {
  const resources = cfg.local.regions[region].replicationResources;
  return resources === undefined ? cfg : { ...cfg, replication: { ...cfg.replication, resources } };
}

/** All three regions in one stack, each rendered to its own directory, their peers wired straight to each other. */
function localFederation(cfg: LocalStackConfig): Record<string, unknown> {
  const clusters = REGIONS.map(
    (region) =>
      new LocalCluster(region, {
        owner: { region, dsp: cfg.local.regions[region].dsp },
        ...(cfg.localKubeconfigDir !== undefined
          ? { kubeconfigFile: localKubeconfigFile(cfg.localKubeconfigDir, region) }
          : { renderDirectory: localRenderDirectory(PROJECT_ROOT, cfg.local.renderRoot, region) }),
      }),
  );
  const endpoints = clusters.map((c) => ({ name: c.owner.region, url: peerUrl(replicationSettings(cfg, c)) }));
  const regions = Object.fromEntries(
    clusters.map((cluster) => {
      const replication = installWorkloads(regionOverrides(cfg, cluster.owner.region), cluster, endpoints.filter((e) => e.name !== cluster.owner.region));
      const outputs = { dsp: cluster.owner.dsp, renderDirectory: cluster.renderDirectory, replicationEndpoint: replication.apiEndpoint, [PEER_ENDPOINT_OUTPUT]: replication.peerEndpoint };
      return [cluster.owner.region, outputs];
    }),
  );
  return { cloud: "local", regions };
}
