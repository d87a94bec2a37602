import { errors } from "jose";
import { Credential, describeTokenError, refusal } from "./auth";
import { incomingRefusal, isUntrustedPeerCertificate } from "./peerTls";
import { checkScopes, grants, requiredAccess, ROUTES } from "./scopes";
import { generateSigningKey, MAX_TTL_SECONDS, parseJwks, parseTtl, withKey, withoutKey } from "./tokens";

const granted = (scopes: string): Credential => ({ ok: true, scopes: new Set(scopes.split(" ")), expiresAt: 2e9 });

describe("scopes", () => {
  test("each route's access rule", () => {
    expect(requiredAccess("GET", ROUTES.healthz, {})).toEqual({ kind: "open" });
    expect(requiredAccess("GET", ROUTES.readyz, {})).toEqual({ kind: "open" });
    expect(requiredAccess("PUT", ROUTES.doc, { collection: "orders", id: "1" })).toEqual({ kind: "scope", scope: "write:orders" });
    expect(requiredAccess("DELETE", ROUTES.doc, { collection: "orders", id: "1" })).toEqual({ kind: "scope", scope: "write:orders" });
    expect(requiredAccess("GET", ROUTES.doc, { collection: "orders", id: "1" })).toEqual({ kind: "scope", scope: "read:orders" });
    expect(requiredAccess("HEAD", ROUTES.list, { collection: "orders" })).toEqual({ kind: "scope", scope: "read:orders" });
    expect(requiredAccess("GET", ROUTES.status, {})).toEqual({ kind: "scope", scope: "status" });
    expect(requiredAccess("GET", ROUTES.metrics, {})).toEqual({ kind: "scope", scope: "metrics" });
    expect(requiredAccess("GET", undefined, {})).toEqual({ kind: "token" });
    // Only GET probes are open: another method on a probe path is an unknown route.
    expect(requiredAccess("POST", ROUTES.healthz, {})).toEqual({ kind: "token" });
  });

  test("wildcards cover one action over every collection; write does not imply read", () => {
    const held = new Set(["read:*", "write:orders"]);
    expect(grants(held, "read:anything")).toBe(true);
    expect(grants(held, "write:orders")).toBe(true);
    expect(grants(held, "write:invoices")).toBe(false);
    expect(grants(new Set(["write:*"]), "read:orders")).toBe(false);
    expect(grants(new Set(["read:orders"]), "read:*")).toBe(false);
    expect(grants(new Set(["read:*"]), "status")).toBe(false);
    expect(grants(new Set(["status"]), "status")).toBe(true);
  });

  test("the token tool's scope check names every bad entry", () => {
    expect(checkScopes(" read:*  write:orders status metrics ")).toEqual({ ok: true, scopes: ["read:*", "write:orders", "status", "metrics"] });
    const bad = checkScopes("read:.. admin write:-x read");
    expect(bad.ok).toBe(false);
    expect(bad.ok ? [] : bad.problems.map((p) => p.scope)).toEqual(["read:..", "admin", "write:-x", "read"]);
    expect(checkScopes("  ")).toEqual({ ok: false, problems: [{ scope: "", reason: expect.stringMatching(/no scope given/) }] });
  });
});

describe("refusals", () => {
  const what = "PUT /v1/collections/orders/docs/1";
  const write = { kind: "scope", scope: "write:orders" } as const;

  test("open routes need nothing; a granted scope passes", () => {
    expect(refusal({ kind: "open" }, undefined, what)).toBeUndefined();
    expect(refusal(write, granted("write:*"), what)).toBeUndefined();
    expect(refusal({ kind: "token" }, granted("read:x"), what)).toBeUndefined();
  });

  test("no credential: 401 with a bare challenge (RFC 6750 3.1) and how to get one", () => {
    expect(refusal(write, undefined, what)).toEqual({
      status: 401,
      error: "unauthorized",
      reason: "missing",
      challenge: 'Bearer realm="dsc-replication"',
      message: expect.stringMatching(/^PUT \/v1\/collections\/orders\/docs\/1 needs a credential: send Authorization: Bearer <token>; mint one with npm run replication:token/),
    });
    expect(refusal({ kind: "token" }, { ok: false, reason: "missing", detail: "" }, what)?.status).toBe(401);
  });

  test("a bad credential: 401 invalid_token, the description quoted safely", () => {
    const result = refusal(write, { ok: false, reason: "expired", detail: 'the token has "expired"' }, what);
    expect(result).toMatchObject({ status: 401, error: "invalid_token", reason: "expired" });
    expect(result?.challenge).toBe(`Bearer realm="dsc-replication", error="invalid_token", error_description="the token has 'expired'"`);
  });

  test("a valid token without the scope: 403 insufficient_scope naming what is needed and what it has", () => {
    expect(refusal(write, granted("read:* write:invoices"), what)).toEqual({
      status: 403,
      error: "insufficient_scope",
      reason: "scope",
      challenge: 'Bearer realm="dsc-replication", error="insufficient_scope", scope="write:orders"',
      message: `${what} needs scope write:orders; this token has: read:* write:invoices. Ask for a token with write:orders (or write:*)`,
    });
    expect(refusal({ kind: "scope", scope: "metrics" }, { ok: true, scopes: new Set(), expiresAt: 2e9 }, "GET /metrics")?.message).toMatch(/this token has: none/);
  });

  test("jose's errors in words an operator can act on", () => {
    expect(describeTokenError(new errors.JWTExpired("x", {}))).toEqual({ ok: false, reason: "expired", detail: "the token has expired" });
    expect(describeTokenError(new errors.JWKSNoMatchingKey())).toMatchObject({ reason: "invalid", detail: expect.stringMatching(/unknown or retired kid/) });
    expect(describeTokenError(new errors.JWSSignatureVerificationFailed())).toMatchObject({ reason: "invalid", detail: expect.stringMatching(/signature does not verify/) });
    expect(describeTokenError(new errors.JWTClaimValidationFailed("x", {}, "aud", "check_failed"))).toMatchObject({ reason: "invalid", detail: expect.stringMatching(/aud claim is not valid here \(wrong value\)/) });
    expect(describeTokenError(new errors.JOSEAlgNotAllowed())).toMatchObject({ reason: "invalid", detail: expect.stringMatching(/not signed with ES256/) });
    expect(describeTokenError(new errors.JWSInvalid())).toMatchObject({ reason: "malformed" });
  });
});

describe("token keys", () => {
  test("a generated key set parses; private keys, other algorithms and missing kids are refused by field", async () => {
    const { privateJwk, publicJwk } = await generateSigningKey();
    expect(parseJwks(JSON.stringify({ keys: [publicJwk] }), "/k").keys[0].kid).toBe(publicJwk.kid);
    expect(() => parseJwks(JSON.stringify({ keys: [privateJwk] }), "/k")).toThrow(/\/k: keys\.0\.d: this is a private key/);
    expect(() => parseJwks(JSON.stringify({ keys: [{ ...publicJwk, alg: "RS256" }] }), "/k")).toThrow(/keys\.0\.alg: alg must be "ES256"/);
    expect(() => parseJwks(JSON.stringify({ keys: [{ ...publicJwk, kid: undefined }] }), "/k")).toThrow(/keys\.0\.kid: every key needs a kid/);
    expect(() => parseJwks(JSON.stringify({ keys: [publicJwk, publicJwk] }), "/k")).toThrow(/two keys share a kid/);
    expect(() => parseJwks(JSON.stringify({ keys: [] }), "/k")).toThrow(/the key set is empty/);
    expect(() => parseJwks("nope", "/k")).toThrow(/auth keys file \/k is not JSON/);
  });

  test("rotation steps: add keeps the old key, retire refuses to leave no key", async () => {
    const a = (await generateSigningKey("a")).publicJwk;
    const b = (await generateSigningKey("b")).publicJwk;
    const both = withKey(withKey(undefined, a), b);
    expect(both.keys.map((k) => k.kid)).toEqual(["a", "b"]);
    expect(withKey(both, b).keys.map((k) => k.kid)).toEqual(["a", "b"]);
    expect(withoutKey(both, "a").keys.map((k) => k.kid)).toEqual(["b"]);
    expect(() => withoutKey(withoutKey(both, "a"), "b")).toThrow(/only key: add its successor/);
    expect(() => withoutKey(both, "c")).toThrow(/no key with kid c .*kids: a, b/);
  });

  test("lifetimes: units, and a ceiling", () => {
    expect([parseTtl("90s"), parseTtl("15m"), parseTtl("1h"), parseTtl("7d")]).toEqual([90, 900, 3600, 604800]);
    expect(parseTtl("30d")).toBe(MAX_TTL_SECONDS);
    expect(() => parseTtl("31d")).toThrow(/longer than the 30-day limit/);
    expect(() => parseTtl("0s")).toThrow(/must be positive/);
    expect(() => parseTtl("forever")).toThrow(/expected a number and a unit/);
  });
});

describe("peer TLS refusals", () => {
  test("an incoming session is refused for no certificate or one not from the federation CA", () => {
    expect(incomingRefusal({ authorized: true, getPeerCertificate: () => ({}) as never })).toBeUndefined();
    expect(incomingRefusal({ authorized: false, getPeerCertificate: () => ({}) as never })).toBe("no_certificate");
    expect(incomingRefusal({ authorized: false, getPeerCertificate: () => ({ subject: { CN: "evil" } }) as never })).toBe("untrusted_certificate");
  });

  test("a dial failure is a refused peer certificate only for OpenSSL's verification codes", () => {
    expect(isUntrustedPeerCertificate({ code: "UNABLE_TO_VERIFY_LEAF_SIGNATURE" })).toBe(true);
    expect(isUntrustedPeerCertificate({ code: "SELF_SIGNED_CERT_IN_CHAIN" })).toBe(true);
    expect(isUntrustedPeerCertificate({ code: "ECONNREFUSED" })).toBe(false);
    expect(isUntrustedPeerCertificate({})).toBe(false);
  });
});
