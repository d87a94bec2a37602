import { z } from "zod";

/**
 * A container image reference pinned by digest (`repo@sha256:<64 hex>`) or by an exact version tag
 * (`repo:1.4.2`, optionally with a `-suffix`). Floating tags (`latest`, `stable`, `1`, `1.4`) and untagged
 * references are refused: the same config must always deploy the same bytes.
 */
const DIGEST = /^[a-z0-9][a-z0-9._\-/:]*@sha256:[a-f0-9]{64}$/;
const EXACT_TAG = /^[a-z0-9][a-z0-9._\-/:]*:v?\d+\.\d+\.\d+(-[A-Za-z0-9.]+)?$/;

export function imageProblem(ref: string): string | undefined {
  if (DIGEST.test(ref) || EXACT_TAG.test(ref)) return undefined;
  const tag = ref.includes("@") ? undefined : ref.split("/").pop()?.split(":")[1];
  if (tag === undefined) return `"${ref}" has no tag or digest; pin it as repo@sha256:<digest> or repo:<major.minor.patch>`;
  if (tag === "latest") return `"${ref}" uses "latest"; pin it as repo@sha256:<digest> or repo:<major.minor.patch>`;
  return `"${ref}" is not pinned (tag "${tag}" is not an exact version); use repo@sha256:<digest> or repo:<major.minor.patch>`;
}

export const imageRefSchema = z.string().superRefine((ref, ctx) => {
  const problem = imageProblem(ref);
  if (problem !== undefined) ctx.addIssue({ code: "custom", message: problem });
});
