/**
 * Required labels: every Kubernetes object and every cloud resource that takes tags or labels carries the
 * federation's region, DSP and consortium labels, and they agree with each other (alpha is run by dsp-1, ...).
 */
import { ResourceValidationPolicy } from "@pulumi/policy";
import { CONSORTIUM } from "../../components/labels";
import { labelKeysFor } from "../federation";
import { cloudLabelKey, isKubernetesObject, labelsOf } from "../model";
import { isRegion, REGION_RULES } from "../regions";
import { forTypes } from "../resource-policy";

function takesLabels(type: string): boolean {
  return isKubernetesObject(type) || cloudLabelKey(type) !== undefined;
}

export const requiredLabels: ResourceValidationPolicy = {
  name: "required-labels",
  description: "Every resource that takes labels or tags carries the federation's region, DSP and consortium labels.",
  enforcementLevel: "mandatory",
  validateResource: forTypes(takesLabels, (_props, args) => {
    const keys = labelKeysFor(args.type);
    const where = isKubernetesObject(args.type) ? "metadata.labels" : cloudLabelKey(args.type) ?? "tags";
    const labels = labelsOf(args);
    const missing = Object.values(keys).filter((key) => labels[key] === undefined);
    if (missing.length > 0) return [`${where} lacks ${missing.join(", ")}.`];
    const region = labels[keys.region];
    const problems: string[] = [];
    if (!isRegion(region)) problems.push(`${keys.region} is "${region}", not one of alpha, beta, gamma.`);
    else if (labels[keys.dsp].toLowerCase() !== REGION_RULES[region].dsp) {
      problems.push(`${keys.dsp} is "${labels[keys.dsp]}", but region ${region} is run by ${REGION_RULES[region].dsp}.`);
    }
    if (labels[keys.consortium] !== CONSORTIUM) problems.push(`${keys.consortium} is "${labels[keys.consortium]}", expected "${CONSORTIUM}".`);
    return problems;
  }),
};
