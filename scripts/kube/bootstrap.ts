/**
 * The objects every local cluster gets before anything of the federation arrives (server-side applied at each
 * start, so they are repaired if someone deleted them):
 * - one Node that kwok keeps Ready: where the scheduler puts the federation's pods, which kwok then marks Running;
 * - a default StorageClass served by the controller-manager's host-path provisioner, so the replication
 *   layer's PersistentVolumeClaims bind (no volume is ever mounted: kwok runs no containers);
 * - a ValidatingAdmissionPolicy that keeps the federation's namespaces at Pod Security `restricted`: the
 *   admission defaults enforce it (serverConfig.ts), and a namespace label could otherwise relax it;
 * - a ValidatingAdmissionPolicy that refuses workload pod templates breaking `restricted` in those namespaces.
 *   Pod Security admission only warns about templates and refuses the Pods the controllers make later, which
 *   a `pulumi up` sees only as a Deployment that never becomes available; this refuses the template itself, at
 *   preview and apply, with the rule it breaks. It carries the profile's central rules; Pod Security admission
 *   still checks every Pod against all of them.
 */
import { K8S_LABEL_KEYS } from "../../components/labels";
import { KubeObject } from "./api";

export const POD_SECURITY_ENFORCE_LABEL = "pod-security.kubernetes.io/enforce";
export const STORAGE_CLASS = "dsc-local-hostpath";
export const HOST_PATH_PROVISIONER = "kubernetes.io/host-path";
const POLICY = "dsc-federation-pod-security";
const TEMPLATE_POLICY = "dsc-federation-restricted-templates";

export function nodeName(region: string): string {
  return `kwok-${region}-0`;
}

export function bootstrapObjects(region: string): KubeObject[] {
  return [kwokNode(region), defaultStorageClass(), podSecurityPolicy(), binding(POLICY, { objectSelector: federationSelector }), templatePolicy(), binding(TEMPLATE_POLICY, { namespaceSelector: federationSelector })];
}

function kwokNode(region: string): KubeObject {
  const name = nodeName(region);
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: {
      name,
      labels: {
        "kubernetes.io/hostname": name,
        "kubernetes.io/os": "linux",
        "kubernetes.io/arch": "amd64",
        "topology.kubernetes.io/zone": `${region}-a`,
        type: "kwok",
      },
      annotations: { "kwok.x-k8s.io/node": "fake" },
    },
  };
}

function defaultStorageClass(): KubeObject {
  return {
    apiVersion: "storage.k8s.io/v1",
    kind: "StorageClass",
    metadata: { name: STORAGE_CLASS, annotations: { "storageclass.kubernetes.io/is-default-class": "true" } },
    provisioner: HOST_PATH_PROVISIONER,
    reclaimPolicy: "Delete",
    volumeBindingMode: "Immediate",
  };
}

/** CEL over the namespace being created or updated: no enforce label, or `restricted`. */
export const RESTRICTED_NAMESPACE_EXPRESSION =
  `!has(object.metadata.labels) || !('${POD_SECURITY_ENFORCE_LABEL}' in object.metadata.labels) || ` +
  `object.metadata.labels['${POD_SECURITY_ENFORCE_LABEL}'] == 'restricted'`;

function podSecurityPolicy(): KubeObject {
  return {
    apiVersion: "admissionregistration.k8s.io/v1",
    kind: "ValidatingAdmissionPolicy",
    metadata: { name: POLICY },
    spec: {
      failurePolicy: "Fail",
      matchConstraints: {
        resourceRules: [{ apiGroups: [""], apiVersions: ["v1"], operations: ["CREATE", "UPDATE"], resources: ["namespaces"] }],
      },
      validations: [
        {
          expression: RESTRICTED_NAMESPACE_EXPRESSION,
          message: `a federation namespace enforces Pod Security "restricted"; remove the ${POD_SECURITY_ENFORCE_LABEL} label or set it to restricted`,
          reason: "Forbidden",
        },
      ],
    },
  };
}

const federationSelector = { matchExpressions: [{ key: K8S_LABEL_KEYS.consortium, operator: "Exists" }] };

function binding(policyName: string, matchResources: Record<string, unknown>): KubeObject {
  return {
    apiVersion: "admissionregistration.k8s.io/v1",
    kind: "ValidatingAdmissionPolicyBinding",
    metadata: { name: policyName },
    spec: { policyName, validationActions: ["Deny"], matchResources },
  };
}

/** Each central rule of the `restricted` profile over a pod template, with the fix in its message. */
export const RESTRICTED_TEMPLATE_RULES: { expression: string; message: string }[] = [
  {
    expression: "variables.containers.all(c, c.?securityContext.?runAsNonRoot.orValue(variables.pod.?securityContext.?runAsNonRoot.orValue(false)) == true)",
    message: "runAsNonRoot: set securityContext.runAsNonRoot=true on the pod or on every container",
  },
  {
    expression: "variables.containers.all(c, c.?securityContext.?allowPrivilegeEscalation.orValue(true) == false)",
    message: "allowPrivilegeEscalation: set securityContext.allowPrivilegeEscalation=false on every container",
  },
  {
    expression: "variables.containers.all(c, c.?securityContext.?capabilities.?drop.orValue([]).exists(d, d == 'ALL'))",
    message: 'capabilities: every container must set securityContext.capabilities.drop=["ALL"]',
  },
  {
    expression: "variables.containers.all(c, c.?securityContext.?capabilities.?add.orValue([]).all(a, a == 'NET_BIND_SERVICE'))",
    message: "capabilities: containers may add only NET_BIND_SERVICE",
  },
  {
    expression:
      "variables.containers.all(c, c.?securityContext.?seccompProfile.?type.orValue(variables.pod.?securityContext.?seccompProfile.?type.orValue('')) in ['RuntimeDefault', 'Localhost'])",
    message: "seccompProfile: set securityContext.seccompProfile.type to RuntimeDefault (or Localhost) on the pod or on every container",
  },
  {
    expression: "variables.containers.all(c, c.?securityContext.?privileged.orValue(false) == false)",
    message: "privileged: containers must not be privileged",
  },
  {
    expression: "!variables.pod.?hostNetwork.orValue(false) && !variables.pod.?hostPID.orValue(false) && !variables.pod.?hostIPC.orValue(false)",
    message: "host namespaces: hostNetwork, hostPID and hostIPC must be unset or false",
  },
  {
    expression: "variables.pod.?volumes.orValue([]).all(v, !has(v.hostPath))",
    message: "volumes: hostPath volumes are not allowed",
  },
];

function templatePolicy(): KubeObject {
  const rules = [
    { apiGroups: ["apps"], apiVersions: ["v1"], operations: ["CREATE", "UPDATE"], resources: ["deployments", "statefulsets", "daemonsets", "replicasets"] },
    { apiGroups: ["batch"], apiVersions: ["v1"], operations: ["CREATE", "UPDATE"], resources: ["jobs"] },
  ];
  return {
    apiVersion: "admissionregistration.k8s.io/v1",
    kind: "ValidatingAdmissionPolicy",
    metadata: { name: TEMPLATE_POLICY },
    spec: {
      failurePolicy: "Fail",
      matchConstraints: { resourceRules: rules },
      variables: [
        { name: "pod", expression: "object.spec.template.spec" },
        { name: "containers", expression: "variables.pod.containers + variables.pod.?initContainers.orValue([])" },
      ],
      validations: RESTRICTED_TEMPLATE_RULES.map((r) => ({
        expression: r.expression,
        message: `violates PodSecurity "restricted" in a federation namespace: ${r.message}`,
        reason: "Forbidden",
      })),
    },
  };
}
