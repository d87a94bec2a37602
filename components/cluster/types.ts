import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { FederationOwner } from "../validation";

/**
 * What every DSP cluster gives the workloads, whatever cloud (or local renderer) it runs on. The workload
 * components take `provider` and never build their own, so a region's workloads only ever reach its own cluster.
 */
export interface DspCluster {
  /** `aws`, `azure`, `gcp` or `local`. */
  readonly cloud: CloudKind;
  /** The cluster's name as the cloud knows it. */
  readonly clusterName: pulumi.Output<string>;
  /** The cloud location (e.g. `us-east-1`), or `local`. */
  readonly location: string;
  /** The federation region and DSP the cluster belongs to. */
  readonly owner: FederationOwner;
  /** A kubeconfig for the cluster, always a secret (a local cluster rendering YAML has none: an empty secret). */
  readonly kubeconfig: pulumi.Output<string>;
  /** The Kubernetes provider bound to this cluster. */
  readonly provider: k8s.Provider;
  /** How the replication peer endpoint is exposed in this cluster. */
  readonly peerExposure: PeerExposure;
}

export type CloudKind = "aws" | "azure" | "gcp" | "local";

/**
 * `loadBalancer`: the peer-facing Service is a cloud load balancer reachable at a DNS name the DSP owns.
 * `clusterIp`: peers reach each other through in-cluster DNS (the local renderer, where no load balancer exists).
 */
export type PeerExposure = "loadBalancer" | "clusterIp";
