import { collectionSchema } from "./keys";

/**
 * What a data API credential may do. A token's `scope` claim is a space-separated list of:
 * `read:<collection>` / `read:*`, `write:<collection>` / `write:*` (write does not imply read),
 * `status` (GET /v1/replication/status) and `metrics` (GET /metrics).
 */
export type ScopeProblem = { scope: string; reason: string };

const ACTIONS = ["read", "write"] as const;

/** Checks a scope list as an operator would type it for the token tool; every bad entry is named. */
export function checkScopes(text: string): { ok: true; scopes: string[] } | { ok: false; problems: ScopeProblem[] } {
  const scopes = splitScopes(text);
  if (scopes.length === 0) return { ok: false, problems: [{ scope: "", reason: "no scope given: name at least one, e.g. read:orders" }] };
  const problems = scopes.flatMap((scope): ScopeProblem[] => {
    if (scope === "status" || scope === "metrics") return [];
    const colon = scope.indexOf(":");
    const action = scope.slice(0, colon);
    const collection = scope.slice(colon + 1);
    if (colon < 0 || !(ACTIONS as readonly string[]).includes(action)) {
      return [{ scope, reason: "expected read:<collection>, read:*, write:<collection>, write:*, status or metrics" }];
    }
    if (collection === "*" || collectionSchema.safeParse(collection).success) return [];
    return [{ scope, reason: `"${collection}" is not a collection name (1-64 of letters, digits, '_', '.', '-', not "." or "..") nor *` }];
  });
  return problems.length === 0 ? { ok: true, scopes } : { ok: false, problems };
}

export function splitScopes(text: string): string[] {
  return text.split(/\s+/).filter((scope) => scope.length > 0);
}

/** Whether a token holding `held` may do what `needed` names; `read:*` / `write:*` cover every collection. */
export function grants(held: ReadonlySet<string>, needed: string): boolean {
  if (held.has(needed)) return true;
  const colon = needed.indexOf(":");
  return colon > 0 && held.has(`${needed.slice(0, colon)}:*`);
}

/** The data API's routes, registered from here so that every route has its access rule. */
export const ROUTES = {
  doc: "/v1/collections/:collection/docs/:id",
  list: "/v1/collections/:collection/docs",
  status: "/v1/replication/status",
  metrics: "/metrics",
  healthz: "/healthz",
  readyz: "/readyz",
} as const;

/**
 * What a request needs: nothing (probes), any valid token (a route that does not exist: an
 * outsider learns nothing, not even which routes exist), or a named scope.
 */
export type Access = { kind: "open" } | { kind: "token" } | { kind: "scope"; scope: string };

export function requiredAccess(method: string, route: string | undefined, params: Readonly<Record<string, string | undefined>>): Access {
  if (method === "GET" && (route === ROUTES.healthz || route === ROUTES.readyz)) return { kind: "open" };
  if (route === ROUTES.status) return { kind: "scope", scope: "status" };
  if (route === ROUTES.metrics) return { kind: "scope", scope: "metrics" };
  if (route === ROUTES.doc || route === ROUTES.list) {
    const action = method === "GET" || method === "HEAD" ? "read" : "write";
    return { kind: "scope", scope: `${action}:${params.collection ?? ""}` };
  }
  return { kind: "token" };
}
