/**
 * Cluster hardening findings and the pack's own exception list. Each finding names the hardening switch it stands
 * for (`aws.secretsEncryption`, the name the program warns with); a finding is dropped only when the policy
 * config (`policy/config/<stack>.json`, a `critical` change) lists that stack and that switch with a reason.
 * Everything else is a mandatory violation: the program's warning is a courtesy, this is the control.
 */
import { PolicyConfigSchema } from "@pulumi/policy";

export interface HardeningFinding {
  /** The hardening switch (or built-in hardening) the finding is about, e.g. `aws.secretsEncryption`. */
  switch: string;
  problem: string;
}

export interface HardeningException {
  stack: string;
  switch: string;
  reason: string;
}

export interface HardeningConfig {
  exceptions?: HardeningException[];
}

/** A reason short enough to be a shrug is no reason. */
export const MIN_REASON_LENGTH = 20;

export const hardeningConfigSchema: PolicyConfigSchema = {
  properties: {
    exceptions: {
      type: "array",
      description: "Hardening switches this stack may have off, each with its reason. Changing this list is a critical change.",
      items: {
        type: "object",
        required: ["stack", "switch", "reason"],
        additionalProperties: false,
        properties: {
          stack: { type: "string", minLength: 1 },
          switch: { type: "string", pattern: "^(aws|azure|gcp)\\.[A-Za-z0-9]+$" },
          reason: { type: "string", minLength: MIN_REASON_LENGTH },
        },
      },
    },
  },
};

/** The stack a URN belongs to: `urn:pulumi:<stack>::<project>::<type>::<name>`. */
export function stackOfUrn(urn: string): string {
  return urn.split("::")[0].split(":")[2] ?? "";
}

/** Whether the config excepts `switchName` for `stack`: same stack, same switch, a real reason. */
export function isExcepted(config: HardeningConfig, stack: string, switchName: string): boolean {
  return (config.exceptions ?? []).some((e) => e.stack === stack && e.switch === switchName && (e.reason ?? "").trim().length >= MIN_REASON_LENGTH);
}

/** The findings that stand, each worded with its switch and where an exception would have to be recorded. */
export function standingProblems(policy: string, findings: HardeningFinding[], config: HardeningConfig, urn: string): string[] {
  const stack = stackOfUrn(urn);
  return findings
    .filter((f) => !isExcepted(config, stack, f.switch))
    .map((f) => `${f.problem} (${f.switch}; only an entry {stack: "${stack}", switch: "${f.switch}", reason} under ${policy}.exceptions in policy/config/${stack}.json, a critical change, accepts it)`);
}
