/**
 * The few calls start-up makes to an API server: readiness, server-side apply of the bootstrap objects, reads.
 * Plain HTTPS with the cluster admin's client certificate, verified against the cluster's own CA.
 */
import * as https from "node:https";
import { KeyPairPem } from "../pki";

export interface ApiEndpoint {
  /** `https://127.0.0.1:<port>` */
  server: string;
  caPem: string;
  client: KeyPairPem;
}

export interface ApiResponse {
  status: number;
  body: string;
}

/** Field manager of everything start-up applies, so `kubectl` and the Pulumi provider can tell it apart. */
export const FIELD_MANAGER = "dsc-local-kube";

export function apiRequest(
  api: ApiEndpoint,
  method: string,
  path: string,
  body?: { text: string; contentType: string },
  timeoutMs = 5000,
): Promise<ApiResponse> {
  const url = new URL(path, api.server);
  return new Promise((resolve, reject) => {
    const req = https.request(
      url,
      {
        method,
        ca: api.caPem,
        cert: api.client.certPem,
        key: api.client.keyPem,
        headers: body ? { "content-type": body.contentType, "content-length": Buffer.byteLength(body.text) } : {},
        timeout: timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error(`${method} ${url.href}: no answer in ${timeoutMs} ms`)));
    req.on("error", reject);
    req.end(body?.text);
  });
}

/**
 * GET `/healthz` of a component that serves it to anyone over TLS with a certificate it made itself at start
 * (controller-manager, scheduler): there is nothing to verify that certificate against, and nothing is sent
 * but the request; the only answer taken is "ok".
 */
export function probeHealthz(port: number, timeoutMs = 2000): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const req = https.get({ host: "127.0.0.1", port, path: "/healthz", rejectUnauthorized: false, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve(res.statusCode === 200 && Buffer.concat(chunks).toString("utf8").trim() === "ok"));
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new Error(`GET https://127.0.0.1:${port}/healthz: no answer in ${timeoutMs} ms`)));
    req.on("error", reject);
  });
}

/** A Kubernetes object to apply: its REST path is derived from apiVersion, kind and name. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; [key: string]: unknown };
  [key: string]: unknown;
}

/** Cluster-scoped kinds start-up applies, with their resource names. */
const RESOURCES: Record<string, string> = {
  Node: "nodes",
  StorageClass: "storageclasses",
  ValidatingAdmissionPolicy: "validatingadmissionpolicies",
  ValidatingAdmissionPolicyBinding: "validatingadmissionpolicybindings",
};

export function objectPath(obj: KubeObject): string {
  const resource = RESOURCES[obj.kind];
  if (resource === undefined) throw new Error(`no REST path known for kind ${obj.kind}; add it to RESOURCES`);
  if (obj.metadata.namespace !== undefined) throw new Error(`${obj.kind}/${obj.metadata.name}: only cluster-scoped objects are applied at start`);
  const base = obj.apiVersion.includes("/") ? `/apis/${obj.apiVersion}` : `/api/${obj.apiVersion}`;
  return `${base}/${resource}/${encodeURIComponent(obj.metadata.name)}`;
}

/** Server-side apply (create or update, idempotent); throws with the server's message when refused. */
export async function serverSideApply(api: ApiEndpoint, obj: KubeObject): Promise<void> {
  const res = await apiRequest(api, "PATCH", `${objectPath(obj)}?fieldManager=${FIELD_MANAGER}&force=true`, {
    text: JSON.stringify(obj),
    contentType: "application/apply-patch+yaml",
  });
  if (res.status < 200 || res.status >= 300) {
    throw new Error(`apply ${obj.kind}/${obj.metadata.name} on ${api.server}: HTTP ${res.status}: ${statusMessage(res.body)}`);
  }
}

/** The `message` of a Kubernetes Status body, or the body itself. */
export function statusMessage(body: string): string {
  try {
    const parsed = JSON.parse(body) as { message?: unknown };
    if (typeof parsed.message === "string") return parsed.message;
  } catch {
    // not JSON: the raw text is the best there is
  }
  return body.trim().slice(0, 500);
}
