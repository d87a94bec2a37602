/**
 * The command line of each process of one local cluster. Pure: tests check the security-relevant flags here,
 * cluster.ts runs them. Every listener is on loopback; every link between the processes is mutual TLS.
 */
import { CLUSTER_DOMAIN, FRONT_PROXY_CLIENT, SERVICE_CIDR } from "./certs";
import { ClusterLayout, Component } from "./layout";
import { LOOPBACK, PortPlan } from "./ports";

export interface ClusterRuntime {
  layout: ClusterLayout;
  ports: PortPlan;
  /**
   * The address the API server advertises in the `kubernetes` Service's endpoints. It must not be loopback
   * (the endpoints controller refuses it), so it is the machine's own address; the server still listens on
   * 127.0.0.1 only.
   */
  advertiseAddress: string;
  /** kwok's stages (built by the toolchain from the kwok module's own). */
  kwokStages: string;
}

export function componentArgs(component: Component, rt: ClusterRuntime): string[] {
  switch (component) {
    case "etcd":
      return etcdArgs(rt);
    case "kube-apiserver":
      return apiServerArgs(rt);
    case "kube-controller-manager":
      return controllerManagerArgs(rt);
    case "kube-scheduler":
      return schedulerArgs(rt);
    case "kwok":
      return kwokArgs(rt);
  }
}

/**
 * The environment of a component: the caller's, and for the API server a lower GOGC. Its heap is mostly caches
 * that the garbage collector lets grow to twice the live data by default; at 25, three idle API servers take
 * about 180 MiB less (measured, scripts/README.md) for a little more collector work under load.
 */
export function componentEnv(component: Component, base: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return component === "kube-apiserver" ? { ...base, GOGC: "25" } : base;
}

export function etcdUrl(ports: PortPlan): string {
  return `https://${LOOPBACK}:${ports.etcd}`;
}

export function apiServerUrl(ports: PortPlan): string {
  return `https://${LOOPBACK}:${ports.apiserver}`;
}

function etcdArgs({ layout, ports }: ClusterRuntime): string[] {
  const pki = layout.pkiFile;
  const peer = `https://${LOOPBACK}:${ports.etcdPeer}`;
  return [
    `--name=${layout.region}`,
    `--data-dir=${layout.etcdData}`,
    `--listen-client-urls=${etcdUrl(ports)}`,
    `--advertise-client-urls=${etcdUrl(ports)}`,
    `--listen-peer-urls=${peer}`,
    `--initial-advertise-peer-urls=${peer}`,
    `--initial-cluster=${layout.region}=${peer}`,
    `--cert-file=${pki("etcd.crt")}`,
    `--key-file=${pki("etcd.key")}`,
    `--trusted-ca-file=${pki("etcd-ca.crt")}`,
    "--client-cert-auth=true",
    `--peer-cert-file=${pki("etcd.crt")}`,
    `--peer-key-file=${pki("etcd.key")}`,
    `--peer-trusted-ca-file=${pki("etcd-ca.crt")}`,
    "--peer-client-cert-auth=true",
    // Local rehearsal data: a crash of the machine may lose the last writes; a clean stop loses nothing.
    "--unsafe-no-fsync=true",
    "--log-level=warn",
  ];
}

function apiServerArgs({ layout, ports, advertiseAddress }: ClusterRuntime): string[] {
  const pki = layout.pkiFile;
  return [
    `--bind-address=${LOOPBACK}`,
    `--secure-port=${ports.apiserver}`,
    `--advertise-address=${advertiseAddress}`,
    `--etcd-servers=${etcdUrl(ports)}`,
    `--etcd-cafile=${pki("etcd-ca.crt")}`,
    `--etcd-certfile=${pki("apiserver-etcd-client.crt")}`,
    `--etcd-keyfile=${pki("apiserver-etcd-client.key")}`,
    `--tls-cert-file=${pki("apiserver.crt")}`,
    `--tls-private-key-file=${pki("apiserver.key")}`,
    `--client-ca-file=${pki("ca.crt")}`,
    "--anonymous-auth=false",
    "--authorization-mode=Node,RBAC",
    "--enable-admission-plugins=NodeRestriction,PodSecurity",
    `--admission-control-config-file=${layout.config}/admission.yaml`,
    "--allow-privileged=false",
    `--service-cluster-ip-range=${SERVICE_CIDR}`,
    `--service-account-issuer=https://kubernetes.default.svc.${CLUSTER_DOMAIN}`,
    `--service-account-key-file=${pki("sa.pub")}`,
    `--service-account-signing-key-file=${pki("sa.key")}`,
    `--audit-policy-file=${layout.config}/audit-policy.yaml`,
    `--audit-log-path=${layout.auditLog}`,
    "--audit-log-maxsize=20",
    "--audit-log-maxbackup=2",
    // The aggregation layer's request-header authentication; without it controller-manager and scheduler log
    // a missing CA bundle every minute.
    `--requestheader-client-ca-file=${pki("front-proxy-ca.crt")}`,
    `--requestheader-allowed-names=${FRONT_PROXY_CLIENT}`,
    "--requestheader-username-headers=X-Remote-User",
    "--requestheader-group-headers=X-Remote-Group",
    "--requestheader-extra-headers-prefix=X-Remote-Extra-",
    `--proxy-client-cert-file=${pki("front-proxy-client.crt")}`,
    `--proxy-client-key-file=${pki("front-proxy-client.key")}`,
    "--profiling=false",
  ];
}

/** Flags controller-manager and scheduler share: their identity, loopback serving, no leader election. */
function delegatedComponentArgs(kubeconfig: string, port: number): string[] {
  return [
    `--kubeconfig=${kubeconfig}`,
    `--authentication-kubeconfig=${kubeconfig}`,
    `--authorization-kubeconfig=${kubeconfig}`,
    `--bind-address=${LOOPBACK}`,
    `--secure-port=${port}`,
    // One instance per cluster: a lease would only add writes and a start-up delay.
    "--leader-elect=false",
    "--profiling=false",
  ];
}

function controllerManagerArgs({ layout, ports }: ClusterRuntime): string[] {
  return [
    ...delegatedComponentArgs(layout.kubeconfigOf("controller-manager"), ports.controllerManager),
    "--use-service-account-credentials=true",
    `--service-account-private-key-file=${layout.pkiFile("sa.key")}`,
    `--root-ca-file=${layout.pkiFile("ca.crt")}`,
    `--requestheader-client-ca-file=${layout.pkiFile("front-proxy-ca.crt")}`,
    // Provisions the claims of the default StorageClass (bootstrap.ts) as empty folders under /tmp/hostpath_pv.
    "--enable-hostpath-provisioner=true",
  ];
}

function schedulerArgs({ layout, ports }: ClusterRuntime): string[] {
  return delegatedComponentArgs(layout.kubeconfigOf("scheduler"), ports.scheduler);
}

function kwokArgs({ layout, ports, kwokStages }: ClusterRuntime): string[] {
  return [
    `--kubeconfig=${layout.kubeconfigOf("kwok")}`,
    `--config=${kwokStages}`,
    "--manage-all-nodes=true",
    // Node leases, renewed every 10 s: with only the stages' status heartbeat (every 10 minutes) the
    // controller-manager marks the node NotReady after its 50 s grace period, and with it every pod, which kwok
    // never makes Ready again.
    "--node-lease-duration-seconds=40",
    // Without it kwok serves its node port on every interface; three clusters would also clash on it.
    `--server-address=${LOOPBACK}:${ports.kwok}`,
  ];
}
