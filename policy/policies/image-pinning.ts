/** Every container image is pinned by digest or an exact version tag; never `latest`, never untagged. */
import { ResourceValidationPolicy } from "@pulumi/policy";
import { imageProblem } from "../../components/workload/image";
import { containersOf, isWorkload, podSpecOf } from "../model";
import { forTypes } from "../resource-policy";

export const imagePinning: ResourceValidationPolicy = {
  name: "image-pinning",
  description: "Container images are pinned by digest or exact version tag, never latest.",
  enforcementLevel: "mandatory",
  validateResource: forTypes(isWorkload, (_props, args) =>
    containersOf(podSpecOf(args) ?? {}).flatMap(({ name, container }) => {
      const problem = typeof container.image === "string" ? imageProblem(container.image) : "has no image";
      return problem ? [`container "${name}": ${problem}.`] : [];
    })),
};
