import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { appLabels, appSelector } from "../labels";
import { containerResources, containerSecurityContext, podSecurityContext } from "../workload/hardening";
import { defaultDenyIngress } from "../workload/networkPolicy";
import { parseArgs } from "../validation";
import {
  API_PORT,
  API_SERVICE_PORT,
  APP,
  AUTH_DIR,
  AUTH_KEY,
  DATA_DIR,
  PEER_PORT,
  PEER_SERVICE_PORT,
  PeerEndpoint,
  ReplicationSettings,
  SECRET_DIR,
  SECRET_KEY,
  TLS_CA_KEY,
  TLS_DIR,
  apiHost,
  formatPeers,
  networkPolicySpec,
  peerUrl,
  replicationArgsSchema,
  replicationEnv,
  replicationNames,
  sameRegionPeers,
  tlsCertKey,
  tlsKeyKey,
  tlsSecretKeys,
} from "./spec";

export interface ReplicationLayerArgs {
  /** Plain settings, validated before anything is created (see `replicationArgsSchema`). */
  settings: unknown;
  /** The other regions' peer endpoints (already resolved from stack references or wired directly). */
  remotePeers: pulumi.Input<PeerEndpoint[]>;
  /** Shared secret the nodes authenticate peer connections with (the second factor after mutual TLS); kept secret. */
  peerSecret: pulumi.Input<string>;
  /** JWKS JSON of the public keys data API tokens are signed with (two keys during a rotation). */
  authKeys: pulumi.Input<string>;
  /** Each replica's peer certificate and key (PEM) and the federation CA that signs every node's. */
  tls: PeerTls;
}

export interface PeerTls {
  caCert: pulumi.Input<string>;
  /** One per replica in ordinal order: replica i's certificate names node `<region>-<i>` (its CN). */
  certs: pulumi.Input<string>[];
  /** PKCS#8 PEMs, one per replica in the same order; kept secret. */
  keys: pulumi.Input<string>[];
}

export interface ReplicationLayerOptions extends pulumi.ComponentResourceOptions {
  /** The region's cluster provider; required so the layer can never land on another region's cluster. */
  provider: k8s.Provider;
}

/**
 * The federation's data API in one region: a StatefulSet of replication nodes with a volume each, reachable by
 * each other through a headless Service, by the region's own clients through a ClusterIP data API Service, and by
 * the other regions only on the peer port (mutual TLS), through a load balancer limited to their egress ranges.
 * Ingress in the namespace is denied by default; a second NetworkPolicy admits exactly those paths.
 */
export class ReplicationLayer extends pulumi.ComponentResource {
  readonly namespace: pulumi.Output<string>;
  /** `wss://host:7070`: what the other regions put in their peer lists. */
  readonly peerEndpoint: pulumi.Output<string>;
  /** `http://replication-api.<namespace>.svc.cluster.local:8080`: the data API, inside the cluster only. */
  readonly apiEndpoint: pulumi.Output<string>;

  constructor(name: string, args: ReplicationLayerArgs, opts: ReplicationLayerOptions) {
    super("dsc:workload:ReplicationLayer", name, {}, opts);
    const s = parseArgs("ReplicationLayer", replicationArgsSchema, args.settings);
    const names = replicationNames(s.owner.region);
    const labels = appLabels(s.owner, APP);
    const child = { parent: this };

    const ns = new k8s.core.v1.Namespace(`${name}-ns`, { metadata: { name: names.namespace, labels } }, child);
    const meta = (objectName: string) => ({ name: objectName, namespace: ns.metadata.name, labels });
    const sa = new k8s.core.v1.ServiceAccount(
      `${name}-sa`,
      { metadata: meta(APP), automountServiceAccountToken: false },
      child,
    );
    const secret = new k8s.core.v1.Secret(
      `${name}-peer-secret`,
      { metadata: meta(names.secret), type: "Opaque", stringData: { [SECRET_KEY]: pulumi.secret(args.peerSecret) } },
      child,
    );
    const auth = new k8s.core.v1.Secret(
      `${name}-auth`,
      { metadata: meta(names.authSecret), type: "Opaque", stringData: { [AUTH_KEY]: args.authKeys } },
      child,
    );
    const tls = new k8s.core.v1.Secret(
      `${name}-tls`,
      { metadata: meta(names.tlsSecret), type: "Opaque", stringData: tlsSecretData(s, args.tls) },
      child,
    );
    const headless = new k8s.core.v1.Service(
      `${name}-headless`,
      {
        metadata: meta(names.headless),
        spec: { clusterIP: "None", publishNotReadyAddresses: true, selector: appSelector(APP), ports: [API_SERVICE_PORT, PEER_SERVICE_PORT] },
      },
      child,
    );
    new k8s.core.v1.Service(
      `${name}-api`,
      { metadata: meta(names.apiService), spec: { type: "ClusterIP", selector: appSelector(APP), ports: [API_SERVICE_PORT] } },
      child,
    );
    new k8s.core.v1.Service(`${name}-peer`, { metadata: peerServiceMetadata(s, meta(names.peerService)), spec: peerServiceSpec(s) }, child);
    const peers = pulumi
      .output(args.remotePeers)
      .apply((remote) => formatPeers([...sameRegionPeers(s.owner.region, s.replicas), ...remote]));
    new k8s.apps.v1.StatefulSet(
      `${name}-sts`,
      {
        metadata: meta(names.statefulSet),
        spec: statefulSetSpec(s, {
          serviceName: headless.metadata.name,
          serviceAccountName: sa.metadata.name,
          secretName: secret.metadata.name,
          authSecretName: auth.metadata.name,
          tlsSecretName: tls.metadata.name,
          peers,
        }),
      },
      child,
    );
    new k8s.policy.v1.PodDisruptionBudget(
      `${name}-pdb`,
      { metadata: meta(APP), spec: { maxUnavailable: 1, selector: { matchLabels: appSelector(APP) } } },
      child,
    );
    defaultDenyIngress(`${name}-default-deny`, ns.metadata.name, labels, child);
    new k8s.networking.v1.NetworkPolicy(`${name}-netpol`, { metadata: meta(APP), spec: networkPolicySpec(s) }, child);

    this.namespace = ns.metadata.name;
    this.peerEndpoint = pulumi.output(peerUrl(s));
    this.apiEndpoint = pulumi.output(`http://${apiHost(s.owner.region)}:${API_PORT}`);
    this.registerOutputs({ namespace: this.namespace, peerEndpoint: this.peerEndpoint, apiEndpoint: this.apiEndpoint });
  }
}

type Metadata = k8s.types.input.meta.v1.ObjectMeta;

/**
 * The `<release>-tls` Secret's data: the CA, and each replica's certificate and key under its ordinal. A count
 * that does not match `replicas` is refused: a replica without its own pair would never start (its node refuses
 * a certificate naming another node).
 */
function tlsSecretData(s: ReplicationSettings, tls: PeerTls): Record<string, pulumi.Input<string>> {
  const mismatch = (what: string, n: number) =>
    `ReplicationLayer: ${s.owner.region} runs ${s.replicas} replicas but ${n} peer ${what}${n === 1 ? " is" : "s are"} given; ` +
    `give one per replica in ordinal order, replica i's with CN=${s.owner.region}-i`;
  if (tls.certs.length !== s.replicas) throw new Error(mismatch("certificate", tls.certs.length));
  if (tls.keys.length !== s.replicas) throw new Error(mismatch("key", tls.keys.length));
  const data: Record<string, pulumi.Input<string>> = { [TLS_CA_KEY]: tls.caCert };
  tls.certs.forEach((cert, i) => {
    data[tlsCertKey(i)] = cert;
    data[tlsKeyKey(i)] = pulumi.secret(tls.keys[i]);
  });
  return data;
}

function peerServiceMetadata(s: ReplicationSettings, meta: Metadata): Metadata {
  if (s.peerExposure === "clusterIp" || s.peerHostname === undefined) return meta;
  // external-dns publishes the hostname the other regions dial once the load balancer has an address.
  return { ...meta, annotations: { "external-dns.alpha.kubernetes.io/hostname": s.peerHostname } };
}

/**
 * Only the peer port crosses clusters. On a load balancer it admits the other regions' egress ranges only, and
 * keeps their source addresses (`externalTrafficPolicy: Local`) so the NetworkPolicy's ipBlocks can match them.
 */
export function peerServiceSpec(s: ReplicationSettings): k8s.types.input.core.v1.ServiceSpec {
  const base = { selector: appSelector(APP), ports: [PEER_SERVICE_PORT] };
  if (s.peerExposure === "clusterIp") return { ...base, type: "ClusterIP" };
  return { ...base, type: "LoadBalancer", loadBalancerSourceRanges: s.peerSourceRanges, externalTrafficPolicy: "Local" };
}

interface StatefulSetWiring {
  serviceName: pulumi.Input<string>;
  serviceAccountName: pulumi.Input<string>;
  secretName: pulumi.Input<string>;
  authSecretName: pulumi.Input<string>;
  tlsSecretName: pulumi.Input<string>;
  peers: pulumi.Input<string>;
}

/** The StatefulSet spec, kept apart so tests can inspect every hardening choice without the engine. */
export function statefulSetSpec(s: ReplicationSettings, w: StatefulSetWiring): k8s.types.input.apps.v1.StatefulSetSpec {
  const labels = appLabels(s.owner, APP);
  return {
    serviceName: w.serviceName,
    replicas: s.replicas,
    podManagementPolicy: "Parallel",
    selector: { matchLabels: appSelector(APP) },
    template: {
      metadata: { labels },
      spec: {
        serviceAccountName: w.serviceAccountName,
        automountServiceAccountToken: false,
        securityContext: podSecurityContext(),
        topologySpreadConstraints: [
          {
            maxSkew: 1,
            topologyKey: "topology.kubernetes.io/zone",
            whenUnsatisfiable: "ScheduleAnyway",
            labelSelector: { matchLabels: appSelector(APP) },
          },
        ],
        containers: [
          {
            name: APP,
            image: s.image,
            env: replicationEnv(s.owner.region, w.peers),
            ports: [
              { name: "api", containerPort: API_PORT, protocol: "TCP" },
              { name: "peer", containerPort: PEER_PORT, protocol: "TCP" },
            ],
            readinessProbe: { httpGet: { path: "/readyz", port: "api" }, periodSeconds: 5 },
            livenessProbe: { httpGet: { path: "/healthz", port: "api" }, periodSeconds: 10, failureThreshold: 6 },
            resources: containerResources(s.resources),
            securityContext: containerSecurityContext(),
            volumeMounts: [
              { name: "data", mountPath: DATA_DIR },
              { name: "peer-secret", mountPath: SECRET_DIR, readOnly: true },
              // Whole-directory mounts (not subPath): the kubelet updates them in place, so a rotated JWKS or
              // certificate reaches the running node, which re-reads the files.
              { name: "auth", mountPath: AUTH_DIR, readOnly: true },
              { name: "tls", mountPath: TLS_DIR, readOnly: true },
              { name: "tmp", mountPath: "/tmp" },
            ],
          },
        ],
        volumes: [
          { name: "peer-secret", secret: { secretName: w.secretName, defaultMode: 0o440 } },
          { name: "auth", secret: { secretName: w.authSecretName, defaultMode: 0o440, items: [{ key: AUTH_KEY, path: AUTH_KEY }] } },
          {
            name: "tls",
            secret: { secretName: w.tlsSecretName, defaultMode: 0o440, items: tlsSecretKeys(s.replicas).map((key) => ({ key, path: key })) },
          },
          { name: "tmp", emptyDir: { sizeLimit: "64Mi" } },
        ],
      },
    },
    volumeClaimTemplates: [
      {
        metadata: { name: "data", labels },
        spec: {
          accessModes: ["ReadWriteOnce"],
          storageClassName: s.storage.className,
          resources: { requests: { storage: s.storage.size } },
        },
      },
    ],
  };
}
