/** The Guardian watchers: each GuardianWatchers component runs exactly one watcher pod through a Deployment. */
import { StackValidationPolicy } from "@pulumi/policy";
import { childrenOf, componentsOfKind, GUARDIAN_WATCHERS } from "../components";
import { describe } from "../federation";
import { dig } from "../model";

export const guardianWatchers: StackValidationPolicy = {
  name: "guardian-watchers",
  description: "Each region runs its Guardian watcher as a Deployment of exactly one replica (two would race to pause).",
  enforcementLevel: "mandatory",
  validateStack: (args, report) => {
    const components = componentsOfKind(args.resources, GUARDIAN_WATCHERS);
    if (components.length === 0) report(`The stack has no Guardian watchers (${GUARDIAN_WATCHERS}).`);
    for (const component of components) {
      const deployments = childrenOf(component, args.resources).filter((r) => r.type === "kubernetes:apps/v1:Deployment");
      if (deployments.length !== 1) {
        report(`${describe(component)} has ${deployments.length} Deployments; it must run exactly one watcher Deployment.`, component.urn);
        continue;
      }
      const replicas = dig(deployments[0].props, "spec", "replicas");
      if (replicas !== 1) report(`${describe(deployments[0])} runs ${String(replicas)} watcher replicas; run exactly 1.`, deployments[0].urn);
    }
  },
};
