import * as k8s from "@pulumi/kubernetes";
import { z } from "zod";

/** Requests and limits for one container; both are required so no workload runs unbounded. */
export const resourcesSchema = z
  .object({
    cpuRequest: z.string().regex(/^\d+m?$/, { error: `must be CPU like "250m" or "1"` }),
    cpuLimit: z.string().regex(/^\d+m?$/, { error: `must be CPU like "500m" or "2"` }),
    memoryRequest: z.string().regex(/^\d+(Mi|Gi)$/, { error: `must be memory like "256Mi" or "1Gi"` }),
    memoryLimit: z.string().regex(/^\d+(Mi|Gi)$/, { error: `must be memory like "512Mi" or "2Gi"` }),
  })
  .strict();
export type ContainerResources = z.output<typeof resourcesSchema>;

/** UID/GID the federation's images run as (a non-root user baked into the images). */
export const RUN_AS_USER = 10001;

/** Pod-level hardening: non-root, fixed UID/GID, volumes group-owned by that GID, runtime-default seccomp. */
export function podSecurityContext(): k8s.types.input.core.v1.PodSecurityContext {
  return {
    runAsNonRoot: true,
    runAsUser: RUN_AS_USER,
    runAsGroup: RUN_AS_USER,
    fsGroup: RUN_AS_USER,
    seccompProfile: { type: "RuntimeDefault" },
  };
}

/** Container-level hardening: read-only root filesystem, no privilege escalation, every capability dropped. */
export function containerSecurityContext(): k8s.types.input.core.v1.SecurityContext {
  return {
    runAsNonRoot: true,
    readOnlyRootFilesystem: true,
    allowPrivilegeEscalation: false,
    privileged: false,
    capabilities: { drop: ["ALL"] },
  };
}

export function containerResources(r: ContainerResources): k8s.types.input.core.v1.ResourceRequirements {
  return {
    requests: { cpu: r.cpuRequest, memory: r.memoryRequest },
    limits: { cpu: r.cpuLimit, memory: r.memoryLimit },
  };
}
