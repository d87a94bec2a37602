import { parseSecret, resolveConfig, settingsFromEnv } from "./config";
import { DEFAULT_HTTP_LIMITS, DEFAULT_PEER_LIMITS } from "./limits";
import { collectionSchema, docIdSchema, shardOf, SHARD_COUNT, splitStorageKey, storageKey } from "./keys";

describe("node settings", () => {
  const security = { authKeysFile: "/auth/jwks.json", tlsCertFile: "/tls/tls.crt", tlsKeyFile: "/tls/tls.key", tlsCaFile: "/tls/ca.crt" };
  const minimal = { region: "alpha", data: "/data", secretFile: "/secret", ...security };

  test("defaults: replica 0, API on 8080, peers on 7070, no peers", () => {
    const result = resolveConfig(minimal);
    expect(result).toEqual({
      ok: true,
      config: {
        id: { region: "alpha", replica: 0 },
        api: { host: "0.0.0.0", port: 8080 },
        peerListen: { host: "0.0.0.0", port: 7070 },
        peers: [],
        dataDir: "/data",
        secretFile: "/secret",
        authKeysFile: "/auth/jwks.json",
        tls: { certFile: "/tls/tls.crt", keyFile: "/tls/tls.key", caFile: "/tls/ca.crt" },
        logLevel: "info",
        maxClockSkewMs: 300_000,
        maxClientIds: 64,
        peerLimits: DEFAULT_PEER_LIMITS,
        httpLimits: DEFAULT_HTTP_LIMITS,
      },
    });
  });

  test("limits: flags and environment, validated with the setting named", () => {
    const set = resolveConfig({ ...minimal, peerHandshakeMaxBytes: "2048", peerMaxUnauthenticated: "4", httpHeadersTimeoutMs: "2000", httpMaxConnections: "8" });
    expect(set.ok && set.config.peerLimits).toEqual({ ...DEFAULT_PEER_LIMITS, handshakeMaxBytes: 2048, maxUnauthenticated: 4 });
    expect(set.ok && set.config.httpLimits).toEqual({ ...DEFAULT_HTTP_LIMITS, headersTimeoutMs: 2000, maxConnections: 8 });
    expect(settingsFromEnv({}, { DSC_PEER_MAX_FRAME_BYTES: "1048576", DSC_HTTP_REQUEST_TIMEOUT_MS: "900" })).toMatchObject({ peerMaxFrameBytes: "1048576", httpRequestTimeoutMs: "900" });
    const errors = (raw: Record<string, string>): string[] => {
      const result = resolveConfig({ ...minimal, ...raw });
      return result.ok ? [] : result.errors;
    };
    expect(errors({ peerHandshakeMaxBytes: "100" })).toEqual(["peerHandshakeMaxBytes: peer handshake frame limit (bytes) must be at least 512"]);
    expect(errors({ peerMaxFrameBytes: "lots" })).toEqual(["peerMaxFrameBytes: peer frame limit (bytes) must be a number"]);
    expect(errors({ httpMaxConnections: "1.5" })).toEqual(["httpMaxConnections: HTTP connection cap must be a whole number"]);
    expect(errors({ httpHeadersTimeoutMs: "40000" })[0]).toMatch(/header timeout \(40000 ms\) must not exceed the request timeout \(30000 ms\)/);
    expect(errors({ peerMaxUnauthenticated: "64" })[0]).toMatch(/must be below the peer connection cap \(64\)/);
  });

  test("the container environment fills what the command line leaves unset", () => {
    const env = {
      DSC_REGION: "beta",
      DSC_REPLICA: "replication-2",
      DSC_API_LISTEN: "127.0.0.1:9000",
      DSC_PEER_LISTEN: "[::]:7000",
      DSC_PEERS: "alpha=wss://a:7070, gamma=wss://g:7070",
      DSC_DATA_DIR: "/var/lib/dsc",
      DSC_SECRET_FILE: "/run/secret",
      DSC_AUTH_KEYS_FILE: "/etc/dsc/auth/jwks.json",
      DSC_TLS_CERT_FILE: "/etc/dsc/tls/tls.crt",
      DSC_TLS_KEY_FILE: "/etc/dsc/tls/tls.key",
      DSC_TLS_CA_FILE: "/etc/dsc/tls/ca.crt",
    };
    const result = resolveConfig(settingsFromEnv({ region: "gamma", tlsCaFile: "/other/ca.crt" }, env));
    if (!result.ok) throw new Error(result.errors.join());
    expect(result.config.id).toEqual({ region: "gamma", replica: 2 });
    expect(result.config.api).toEqual({ host: "127.0.0.1", port: 9000 });
    expect(result.config.peerListen).toEqual({ host: "::", port: 7000 });
    expect(result.config.peers).toEqual([{ name: "alpha", url: "wss://a:7070" }, { name: "gamma", url: "wss://g:7070" }]);
    expect(result.config.authKeysFile).toBe("/etc/dsc/auth/jwks.json");
    expect(result.config.tls).toEqual({ certFile: "/etc/dsc/tls/tls.crt", keyFile: "/etc/dsc/tls/tls.key", caFile: "/other/ca.crt" });
  });

  test("command-line peers replace DSC_PEERS", () => {
    const result = resolveConfig(settingsFromEnv({ ...minimal, peer: ["beta=wss://b:1"] }, { DSC_PEERS: "gamma=wss://g:1" }));
    expect(result.ok && result.config.peers).toEqual([{ name: "beta", url: "wss://b:1" }]);
  });

  test("every bad setting is named with the reason", () => {
    const result = resolveConfig({ region: "delta", replica: "x", listen: "8080", peer: ["beta=http://b"], logLevel: "loud" });
    expect(result.ok).toBe(false);
    const text = result.ok ? "" : result.errors.join("\n");
    expect(text).toMatch(/region: .*alpha, beta, gamma/);
    expect(text).toMatch(/replica: expected an ordinal/);
    expect(text).toMatch(/listen: expected host:port/);
    expect(text).toMatch(/peer\.0: expected NAME=URL/);
    expect(text).toMatch(/data: a data folder is required/);
    expect(text).toMatch(/secretFile: a shared-secret file is required/);
    expect(text).toMatch(/authKeysFile: .*--auth-keys-file or DSC_AUTH_KEYS_FILE/);
    expect(text).toMatch(/tlsCertFile: .*--tls-cert-file or DSC_TLS_CERT_FILE/);
    expect(text).toMatch(/tlsKeyFile: .*--tls-key-file or DSC_TLS_KEY_FILE/);
    expect(text).toMatch(/tlsCaFile: .*--tls-ca-file or DSC_TLS_CA_FILE/);
    expect(text).toMatch(/logLevel/);
  });

  test("a plaintext ws:// peer is refused: peer links are TLS only", () => {
    expect(resolveConfig({ ...minimal, peer: ["beta=ws://10.0.0.2:7070"] })).toEqual({ ok: false, errors: [expect.stringMatching(/^peer\.0: .*wss:\/\/ URL \(peer links are TLS only\)/)] });
  });

  test("duplicate peer names and out-of-range ports are refused", () => {
    expect(resolveConfig({ ...minimal, peer: ["beta=wss://a:1", "beta=wss://b:1"] })).toEqual({ ok: false, errors: ["peer: name beta is given twice"] });
    expect(resolveConfig({ ...minimal, listen: "h:70000" })).toEqual({ ok: false, errors: ["listen: port must be 0-65535"] });
  });

  test("the secret must be long enough; surrounding whitespace is not part of it", () => {
    expect(parseSecret("  0123456789abcdef\n", "/s").toString()).toBe("0123456789abcdef");
    expect(() => parseSecret("short\n", "/s")).toThrow(/\/s holds 5 characters; use at least 16/);
  });
});

describe("key space", () => {
  test("collection and id characters", () => {
    expect(collectionSchema.safeParse("orders.v2").success).toBe(true);
    expect(collectionSchema.safeParse("-x").success).toBe(false);
    expect(collectionSchema.safeParse("a/b").success).toBe(false);
    expect(docIdSchema.safeParse("user:42@eu~1").success).toBe(true);
    expect(docIdSchema.safeParse("a b").success).toBe(false);
    expect(docIdSchema.safeParse("x".repeat(201)).success).toBe(false);
  });

  test('"." and ".." are refused as ids and collections, with the reason', () => {
    for (const name of [".", ".."]) {
      expect(docIdSchema.safeParse(name).error?.issues.map((issue) => issue.message)).toEqual([expect.stringMatching(/must not be "\." or "\.\.": URL normalisation/)]);
      expect(collectionSchema.safeParse(name).success).toBe(false);
    }
    expect(docIdSchema.safeParse("...").success).toBe(true);
    expect(docIdSchema.safeParse(".hidden").success).toBe(true);
  });

  test("storage keys split back into collection and id, even when the id has separators", () => {
    expect(splitStorageKey(storageKey("users", "a:b@c"))).toEqual({ collection: "users", id: "a:b@c" });
  });

  test("shards are stable and spread keys over all shards", () => {
    expect(shardOf("users/1")).toBe(shardOf("users/1"));
    const used = new Set(Array.from({ length: 1000 }, (_, i) => shardOf(`users/${i}`)));
    expect(used.size).toBe(SHARD_COUNT);
  });
});
