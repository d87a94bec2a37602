/**
 * Hand-built resources of the real types, shaped like what the DSC program registers for one region: a
 * cluster component with its cloud provider, cluster, node pool and Kubernetes provider, a ReplicationLayer
 * and GuardianWatchers. Tests break one property at a time with `edit`.
 */
import { federationCloudTags, federationK8sLabels } from "../../components/labels";
import { ResourceRecord } from "../evaluate";
import { Region, REGION_RULES } from "../regions";

const PROJECT = "dsc";
export const AGENT_KEY = `0x${"ab".repeat(32)}`;
const IMAGE = `ghcr.io/dsc/service@sha256:${"0".repeat(64)}`;

/** Registers records with URNs built the way the engine builds them (parent types joined with `$`). */
class StackBuilder {
  readonly records: ResourceRecord[] = [];
  constructor(private readonly stack: string) {}

  add(type: string, name: string, props: Record<string, unknown>, opts: { parent?: ResourceRecord; provider?: ResourceRecord } = {}): ResourceRecord {
    const chain = opts.parent ? `${opts.parent.urn.split("::")[2]}$${type}` : type;
    const record: ResourceRecord = { type, name, urn: `urn:pulumi:${this.stack}::${PROJECT}::${chain}::${name}`, props };
    if (opts.parent) record.parent = opts.parent.urn;
    if (opts.provider) record.provider = `${opts.provider.urn}::${opts.provider.name}-id`;
    this.records.push(record);
    return record;
  }
}

const LOCATIONS: Record<Region, string> = { alpha: "us-east-1", beta: "westeurope", gamma: "asia-northeast1" };

function cloudCluster(b: StackBuilder, region: Region, parent: ResourceRecord): void {
  const tags = federationCloudTags({ region, dsp: REGION_RULES[region].dsp });
  const location = LOCATIONS[region];
  const pool = { minSize: 2, maxSize: 6 };
  if (region === "alpha") {
    const provider = b.add("pulumi:providers:aws", `${region}-aws`, { region: location }, { parent });
    b.add("aws:eks/cluster:Cluster", `${region}-eks`, {
      version: "1.33", tags, enabledClusterLogTypes: ["api", "audit", "authenticator"],
      encryptionConfig: { resources: ["secrets"], provider: { keyArn: "arn:aws:kms:us-east-1:1:key/k" } },
      vpcConfig: { endpointPublicAccess: false, endpointPrivateAccess: true },
    }, { parent, provider });
    b.add("aws:eks/nodeGroup:NodeGroup", `${region}-nodes`, {
      tags: { ...tags }, scalingConfig: { minSize: pool.minSize, desiredSize: pool.minSize, maxSize: pool.maxSize },
    }, { parent, provider });
  } else if (region === "beta") {
    const provider = b.add("pulumi:providers:azure-native", `${region}-azure`, { location }, { parent });
    b.add("azure-native:containerservice:ManagedCluster", `${region}-aks`, {
      location, tags, kubernetesVersion: "1.33", disableLocalAccounts: true, enableRBAC: true,
      aadProfile: { managed: true, enableAzureRBAC: true },
      agentPoolProfiles: [{ name: "system", enableAutoScaling: true, minCount: pool.minSize, maxCount: pool.maxSize, count: pool.minSize }],
    }, { parent, provider });
  } else {
    const provider = b.add("pulumi:providers:gcp", `${region}-gcp`, { region: location, project: "dsc-gamma" }, { parent });
    b.add("gcp:container/cluster:Cluster", `${region}-gke`, {
      location, resourceLabels: tags, minMasterVersion: "1.33", enableShieldedNodes: true,
      privateClusterConfig: { enablePrivateNodes: true }, workloadIdentityConfig: { workloadPool: "dsc-gamma.svc.id.goog" },
      databaseEncryption: { state: "ENCRYPTED", keyName: "projects/dsc-gamma/locations/asia-northeast1/keyRings/r/cryptoKeys/k" },
    }, { parent, provider });
    b.add("gcp:container/nodePool:NodePool", `${region}-pool`, { location, autoscaling: { minNodeCount: pool.minSize, maxNodeCount: pool.maxSize } }, { parent, provider });
  }
}

function hardenedPod(labels: Record<string, string>, volumes: unknown[], env: unknown[] = []) {
  return {
    metadata: { labels },
    spec: {
      securityContext: { runAsNonRoot: true, runAsUser: 10001 },
      containers: [{
        name: "app", image: IMAGE, env,
        resources: { limits: { cpu: "1", memory: "1Gi" }, requests: { cpu: "250m", memory: "256Mi" } },
        securityContext: { runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
      }],
      volumes,
    },
  };
}

function workloads(b: StackBuilder, region: Region, k8s: ResourceRecord): void {
  const owner = { region, dsp: REGION_RULES[region].dsp };
  const select = (app: string) => ({ "app.kubernetes.io/name": app });
  const meta = (name: string, app: string) => ({ name, labels: { ...select(app), ...federationK8sLabels(owner) } });
  const replication = b.add("dsc:workload:ReplicationLayer", `${region}-replication`, {});
  const child = { parent: replication, provider: k8s };
  b.add("kubernetes:apps/v1:StatefulSet", `${region}-replication-sts`, {
    metadata: meta("replication", "replication"),
    spec: {
      replicas: 3, selector: { matchLabels: select("replication") },
      template: hardenedPod({ ...select("replication"), ...federationK8sLabels(owner) }, []),
      volumeClaimTemplates: [{ metadata: { name: "data" }, spec: { resources: { requests: { storage: "20Gi" } } } }],
    },
  }, child);
  b.add("kubernetes:policy/v1:PodDisruptionBudget", `${region}-replication-pdb`, { metadata: meta("replication", "replication"), spec: { maxUnavailable: 1, selector: { matchLabels: select("replication") } } }, child);
  b.add("kubernetes:networking/v1:NetworkPolicy", `${region}-replication-netpol`, { metadata: meta("replication", "replication"), spec: { podSelector: { matchLabels: select("replication") } } }, child);
  b.add("kubernetes:core/v1:Service", `${region}-replication-headless`, { metadata: meta("replication-headless", "replication"), spec: { clusterIP: "None", selector: select("replication") } }, child);

  const watchers = b.add("dsc:workload:GuardianWatchers", `${region}-guardian`, {});
  const watcherChild = { parent: watchers, provider: k8s };
  b.add("kubernetes:core/v1:Secret", `${region}-guardian-agent-key`, { metadata: meta("guardian-agent-key", "guardian-watcher"), type: "Opaque", stringData: { "agent-key": AGENT_KEY } }, watcherChild);
  b.add("kubernetes:apps/v1:Deployment", `${region}-guardian-deploy`, {
    metadata: meta("guardian-watcher", "guardian-watcher"),
    spec: {
      replicas: 1, selector: { matchLabels: select("guardian-watcher") },
      template: hardenedPod({ ...select("guardian-watcher"), ...federationK8sLabels(owner) },
        [{ name: "agent-key", secret: { secretName: "guardian-agent-key" } }], [{ name: "DSC_AGENT_KEY_FILE", value: "/etc/dsc/agent/agent-key" }]),
    },
  }, watcherChild);
}

/** One compliant region (or several, as the local stack deploys them) in one stack. */
export function federationFixture(regions: Region[], stack = regions.length === 1 ? regions[0] : "local"): ResourceRecord[] {
  const b = new StackBuilder(stack);
  for (const region of regions) {
    const cluster = b.add(`dsc:cluster:${REGION_RULES[region].cloud}Cluster`, `${region}-cluster`, {});
    cloudCluster(b, region, cluster);
    const k8s = b.add("pulumi:providers:kubernetes", `${region}-cluster-k8s`, { kubeconfig: `kubeconfig-of-${region}` }, { parent: cluster });
    workloads(b, region, k8s);
  }
  return b.records;
}

// Tests reach into arbitrary nested inputs of many resource types; a typed view per type would outweigh the tests.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyProps = Record<string, any>;

/** A deep copy with `change` applied to the props of every record `match` selects (at least one must match). */
export function edit(records: ResourceRecord[], match: (r: ResourceRecord) => boolean, change: (props: AnyProps, record: ResourceRecord) => void): ResourceRecord[] {
  const copy: ResourceRecord[] = structuredClone(records);
  const targets = copy.filter(match);
  if (targets.length === 0) throw new Error("edit: no record matched; the fixture or program changed shape");
  for (const target of targets) change(target.props, target);
  return copy;
}

export const ofType = (type: string) => (r: ResourceRecord) => r.type === type;
