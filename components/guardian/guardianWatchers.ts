import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { appLabels, appSelector } from "../labels";
import { containerResources, containerSecurityContext, podSecurityContext } from "../workload/hardening";
import { parseArgs } from "../validation";
import {
  AGENT_KEY_DIR,
  AGENT_KEY_FILE,
  APP,
  GuardianSettings,
  HTTP_PORT,
  REPLICATION_TOKEN_DIR,
  REPLICATION_TOKEN_FILE,
  ReplicationPeer,
  STATE_DIR,
  agentKeyProblem,
  guardianArgsSchema,
  guardianNames,
  watcherConfigData,
  watcherFileEnv,
  watcherRbacRules,
} from "./spec";

export interface GuardianWatchersArgs {
  /** Plain settings, validated before anything is created (see `guardianArgsSchema`). */
  settings: unknown;
  /** The DSP agent's private key, from Pulumi secret config; it stays a secret end to end. */
  agentKey: pulumi.Input<string>;
  /** This region's replication data API (`ReplicationLayer.apiEndpoint`); without it the replication detector is off. */
  replicationEndpoint?: pulumi.Input<string>;
  /** The other regions' replication data APIs, whose status the watcher compares with its own node's. */
  peerReplicationEndpoints?: pulumi.Input<ReplicationPeer[]>;
  /** A bearer token with scope `status` for those endpoints (secret); mounted as a file, never in the environment. */
  replicationToken?: pulumi.Input<string>;
}

export interface GuardianWatchersOptions extends pulumi.ComponentResourceOptions {
  /** The region's cluster provider; the watcher only ever runs in the cluster it watches. */
  provider: k8s.Provider;
}

/**
 * The watcher of one region: it reads (never writes) the cluster's workloads, compares them with the approved
 * manifest and, on a breach, calls the Guardian with the DSP's agent key.
 */
export class GuardianWatchers extends pulumi.ComponentResource {
  readonly namespace: pulumi.Output<string>;

  constructor(name: string, args: GuardianWatchersArgs, opts: GuardianWatchersOptions) {
    super("dsc:workload:GuardianWatchers", name, {}, opts);
    const s = parseArgs("GuardianWatchers", guardianArgsSchema, args.settings);
    const names = guardianNames(s.owner.region);
    const labels = appLabels(s.owner, APP);
    const child = { parent: this };

    const ns = new k8s.core.v1.Namespace(`${name}-ns`, { metadata: { name: names.namespace, labels } }, child);
    const meta = (objectName: string) => ({ name: objectName, namespace: ns.metadata.name, labels });
    const sa = new k8s.core.v1.ServiceAccount(`${name}-sa`, { metadata: meta(APP) }, child);
    const role = new k8s.rbac.v1.ClusterRole(`${name}-read`, { metadata: { name: names.clusterRole, labels }, rules: watcherRbacRules() }, child);
    new k8s.rbac.v1.ClusterRoleBinding(
      `${name}-read`,
      {
        metadata: { name: names.clusterRole, labels },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: role.metadata.name },
        subjects: [{ kind: "ServiceAccount", name: sa.metadata.name, namespace: ns.metadata.name }],
      },
      child,
    );
    const hasToken = args.replicationToken !== undefined;
    const data = pulumi
      .all([args.replicationEndpoint, args.peerReplicationEndpoints ?? []])
      .apply(([url, peers]) => watcherConfigData(s, { url, peers }));
    const config = new k8s.core.v1.ConfigMap(`${name}-config`, { metadata: meta(names.config), data }, child);
    const key = pulumi.secret(args.agentKey).apply((k) => {
      const problem = agentKeyProblem(k);
      if (problem !== undefined) throw new Error(`GuardianWatchers (${s.owner.region}): ${problem}; set it with pulumi config set --secret`);
      return k;
    });
    const secret = new k8s.core.v1.Secret(`${name}-agent-key`, { metadata: meta(names.secret), type: "Opaque", stringData: { [AGENT_KEY_FILE]: key } }, child);
    const token = hasToken
      ? new k8s.core.v1.Secret(
          `${name}-replication-token`,
          { metadata: meta(names.tokenSecret), type: "Opaque", stringData: { [REPLICATION_TOKEN_FILE]: pulumi.secret(args.replicationToken!) } },
          child,
        )
      : undefined;
    new k8s.apps.v1.Deployment(
      `${name}-deploy`,
      {
        metadata: meta(APP),
        spec: deploymentSpec(s, { serviceAccountName: sa.metadata.name, configName: config.metadata.name, secretName: secret.metadata.name, tokenSecretName: token?.metadata.name }),
      },
      child,
    );
    this.namespace = ns.metadata.name;
    this.registerOutputs({ namespace: this.namespace });
  }
}

interface DeploymentWiring {
  serviceAccountName: pulumi.Input<string>;
  configName: pulumi.Input<string>;
  secretName: pulumi.Input<string>;
  tokenSecretName?: pulumi.Input<string>;
}

/** One watcher per region: two would race to pause the federation on the same breach. */
export function deploymentSpec(s: GuardianSettings, w: DeploymentWiring): k8s.types.input.apps.v1.DeploymentSpec {
  return {
    replicas: 1,
    strategy: { type: "Recreate" },
    selector: { matchLabels: appSelector(APP) },
    template: {
      metadata: { labels: appLabels(s.owner, APP) },
      spec: {
        serviceAccountName: w.serviceAccountName,
        securityContext: podSecurityContext(),
        containers: [
          {
            name: APP,
            image: s.image,
            envFrom: [{ configMapRef: { name: w.configName } }],
            env: watcherFileEnv(w.tokenSecretName !== undefined),
            ports: [{ name: "http", containerPort: HTTP_PORT, protocol: "TCP" }],
            readinessProbe: { httpGet: { path: "/readyz", port: "http" }, periodSeconds: 5 },
            livenessProbe: { httpGet: { path: "/healthz", port: "http" }, periodSeconds: 10, failureThreshold: 6 },
            resources: containerResources(s.resources),
            securityContext: containerSecurityContext(),
            volumeMounts: [
              { name: "agent-key", mountPath: AGENT_KEY_DIR, readOnly: true },
              ...(w.tokenSecretName === undefined ? [] : [{ name: "replication-token", mountPath: REPLICATION_TOKEN_DIR, readOnly: true }]),
              // The chain cursor and cluster baseline: kept across container restarts (a rescheduled pod starts
              // again from the chain head and adopts the cluster as found).
              { name: "state", mountPath: STATE_DIR },
              { name: "tmp", mountPath: "/tmp" },
            ],
          },
        ],
        volumes: [
          { name: "agent-key", secret: { secretName: w.secretName, defaultMode: 0o440 } },
          ...(w.tokenSecretName === undefined ? [] : [{ name: "replication-token", secret: { secretName: w.tokenSecretName, defaultMode: 0o440 } }]),
          { name: "state", emptyDir: { sizeLimit: "64Mi" } },
          { name: "tmp", emptyDir: { sizeLimit: "64Mi" } },
        ],
      },
    },
  };
}
