import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { appLabels, appSelector } from "../labels";
import { containerResources, containerSecurityContext, podSecurityContext } from "../workload/hardening";
import { parseArgs } from "../validation";
import { AGENT_KEY_DIR, AGENT_KEY_FILE, APP, GuardianSettings, agentKeyProblem, guardianArgsSchema, guardianNames, watcherConfigData, watcherRbacRules } from "./spec";

export interface GuardianWatchersArgs {
  /** Plain settings, validated before anything is created (see `guardianArgsSchema`). */
  settings: unknown;
  /** The DSP agent's private key, from Pulumi secret config; it stays a secret end to end. */
  agentKey: pulumi.Input<string>;
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
    const config = new k8s.core.v1.ConfigMap(`${name}-config`, { metadata: meta(names.config), data: watcherConfigData(s) }, child);
    const key = pulumi.secret(args.agentKey).apply((k) => {
      const problem = agentKeyProblem(k);
      if (problem !== undefined) throw new Error(`GuardianWatchers (${s.owner.region}): ${problem}; set it with pulumi config set --secret`);
      return k;
    });
    const secret = new k8s.core.v1.Secret(`${name}-agent-key`, { metadata: meta(names.secret), type: "Opaque", stringData: { [AGENT_KEY_FILE]: key } }, child);
    new k8s.apps.v1.Deployment(
      `${name}-deploy`,
      {
        metadata: meta(APP),
        spec: deploymentSpec(s, { serviceAccountName: sa.metadata.name, configName: config.metadata.name, secretName: secret.metadata.name }),
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
            env: [{ name: "DSC_AGENT_KEY_FILE", value: `${AGENT_KEY_DIR}/${AGENT_KEY_FILE}` }],
            resources: containerResources(s.resources),
            securityContext: containerSecurityContext(),
            volumeMounts: [
              { name: "agent-key", mountPath: AGENT_KEY_DIR, readOnly: true },
              { name: "tmp", mountPath: "/tmp" },
            ],
          },
        ],
        volumes: [
          { name: "agent-key", secret: { secretName: w.secretName, defaultMode: 0o440 } },
          { name: "tmp", emptyDir: { sizeLimit: "64Mi" } },
        ],
      },
    },
  };
}
