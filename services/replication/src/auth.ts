import { readFileSync } from "node:fs";
import { createLocalJWKSet, errors, jwtVerify } from "jose";
import type { Logger } from "pino";
import { Access, grants, splitScopes } from "./scopes";
import { parseJwks, TOKEN_ALGORITHM, TOKEN_AUDIENCE, TOKEN_ISSUER } from "./tokens";

/** The outcome of checking a request's credential. */
export type Credential =
  | { ok: true; scopes: ReadonlySet<string>; subject?: string; expiresAt: number }
  | { ok: false; reason: "missing" | "malformed" | "expired" | "invalid"; detail: string };

export interface Refusal {
  readonly status: 401 | 403;
  readonly error: "unauthorized" | "invalid_token" | "insufficient_scope";
  readonly message: string;
  /** RFC 6750 challenge, sent as WWW-Authenticate. */
  readonly challenge: string;
  /** Label of the refusal metric. */
  readonly reason: "missing" | "malformed" | "expired" | "invalid" | "scope";
}

const REALM = "dsc-replication";
const HOW_TO = "mint one with npm run replication:token (services/replication/README.md, Security)";

/** RFC 6750 quoted-string values: no quote or backslash may close the string early. */
function quoted(text: string): string {
  return `"${text.replace(/["\\]/g, "'")}"`;
}

/**
 * The decision on one request: undefined when it may proceed, else the refusal. A refused request
 * is answered before its body is read, so nothing is written.
 */
export function refusal(access: Access, credential: Credential | undefined, what: string): Refusal | undefined {
  if (access.kind === "open") return undefined;
  if (!credential || !credential.ok) {
    const failed = credential ?? { ok: false, reason: "missing" as const, detail: "" };
    if (failed.reason === "missing") {
      return { status: 401, error: "unauthorized", reason: "missing", challenge: `Bearer realm="${REALM}"`, message: `${what} needs a credential: send Authorization: Bearer <token>; ${HOW_TO}` };
    }
    return {
      status: 401,
      error: "invalid_token",
      reason: failed.reason,
      challenge: `Bearer realm="${REALM}", error="invalid_token", error_description=${quoted(failed.detail)}`,
      message: `${failed.detail}; ${HOW_TO}`,
    };
  }
  if (access.kind === "token" || grants(credential.scopes, access.scope)) return undefined;
  const held = credential.scopes.size > 0 ? [...credential.scopes].join(" ") : "none";
  return {
    status: 403,
    error: "insufficient_scope",
    reason: "scope",
    challenge: `Bearer realm="${REALM}", error="insufficient_scope", scope=${quoted(access.scope)}`,
    message: `${what} needs scope ${access.scope}; this token has: ${held}. Ask for a token with ${access.scope} (or ${access.scope.replace(/:.*$/, ":*")})`,
  };
}

/** Why jose refused a token, in words an operator can act on. */
export function describeTokenError(error: unknown): Extract<Credential, { ok: false }> {
  if (error instanceof errors.JWTExpired) return { ok: false, reason: "expired", detail: "the token has expired" };
  if (error instanceof errors.JWKSNoMatchingKey) return { ok: false, reason: "invalid", detail: "the token is signed by a key this node does not trust (unknown or retired kid)" };
  if (error instanceof errors.JWSSignatureVerificationFailed) return { ok: false, reason: "invalid", detail: "the token's signature does not verify" };
  if (error instanceof errors.JWTClaimValidationFailed) return { ok: false, reason: "invalid", detail: `the token's ${error.claim} claim is not valid here (${error.reason === "missing" ? "missing" : "wrong value"}): need iss ${TOKEN_ISSUER}, aud ${TOKEN_AUDIENCE} and an exp` };
  if (error instanceof errors.JOSEAlgNotAllowed) return { ok: false, reason: "invalid", detail: `the token is not signed with ${TOKEN_ALGORITHM}` };
  return { ok: false, reason: "malformed", detail: "the bearer token is not a well-formed signed JWT" };
}

export interface VerifierOptions {
  readonly logger?: Logger;
  /** How often the keys file is re-read (rotation). */
  readonly reloadIntervalMs?: number;
  /** Verified tokens remembered (until they expire or the keys change), so a client's every request does not cost a signature check. */
  readonly cacheSize?: number;
}

/**
 * Verifies bearer tokens against the public keys in a JWKS file. The file is re-read every
 * second: a new key set applies without a restart (add the new key, switch issuing, retire the old
 * key once its tokens have expired), and a key removed from it stops working within a second.
 */
export class TokenVerifier {
  private keySet: ReturnType<typeof createLocalJWKSet>;
  private content: string;
  private readonly cache = new Map<string, Extract<Credential, { ok: true }>>();
  private readonly timer: NodeJS.Timeout;
  private readonly cacheSize: number;

  /** Reads and checks the keys file; throws (the node does not start) when it is unusable. */
  constructor(
    private readonly file: string,
    private readonly options: VerifierOptions = {},
  ) {
    this.content = readKeysFile(file);
    this.keySet = createLocalJWKSet(parseJwks(this.content, file));
    this.cacheSize = options.cacheSize ?? 10000;
    this.timer = setInterval(() => this.reload(), options.reloadIntervalMs ?? 1000);
    this.timer.unref();
  }

  /**
   * Checks an Authorization header value. Answers at once (no promise) when no signature needs
   * checking: a token verified before, or no usable header; the data API's hot path.
   */
  verify(authorization: string | undefined): Credential | Promise<Credential> {
    if (authorization === undefined || authorization.trim() === "") return { ok: false, reason: "missing", detail: "" };
    const match = /^Bearer +([A-Za-z0-9_.~+/-]+=*) *$/i.exec(authorization);
    if (!match) return { ok: false, reason: "malformed", detail: "the Authorization header must be 'Bearer <token>'" };
    const token = match[1];
    const cached = this.cache.get(token);
    if (cached) {
      if (cached.expiresAt > Date.now() / 1000) return cached;
      this.cache.delete(token);
      return { ok: false, reason: "expired", detail: "the token has expired" };
    }
    return this.verifySignature(token);
  }

  close(): void {
    clearInterval(this.timer);
  }

  /** One ES256 check costs about 0.1-0.2 ms of CPU, the whole budget of a request: done once per token. */
  private async verifySignature(token: string): Promise<Credential> {
    const keySet = this.keySet;
    try {
      const { payload } = await jwtVerify(token, keySet, { issuer: TOKEN_ISSUER, audience: TOKEN_AUDIENCE, algorithms: [TOKEN_ALGORITHM], requiredClaims: ["exp"] });
      if (payload.scope !== undefined && typeof payload.scope !== "string") return { ok: false, reason: "invalid", detail: "the token's scope claim must be a space-separated string" };
      const credential = { ok: true as const, scopes: new Set(splitScopes(payload.scope ?? "")), subject: payload.sub, expiresAt: payload.exp as number };
      // A token verified against a key set that was replaced meanwhile is not remembered.
      if (keySet === this.keySet) this.remember(token, credential);
      return credential;
    } catch (error) {
      return describeTokenError(error);
    }
  }

  private remember(token: string, credential: Extract<Credential, { ok: true }>): void {
    if (this.cache.size >= this.cacheSize) this.cache.delete(this.cache.keys().next().value as string);
    this.cache.set(token, credential);
  }

  /** A file that cannot be read or parsed keeps the previous keys in force (and says so in the log). */
  private reload(): void {
    let content: string;
    try {
      content = readKeysFile(this.file);
    } catch (error) {
      this.options.logger?.error({ err: error, file: this.file }, "auth keys file unreadable; the previous keys stay in force");
      return;
    }
    if (content === this.content) return;
    this.content = content;
    try {
      const set = parseJwks(content, this.file);
      this.keySet = createLocalJWKSet(set);
      this.cache.clear();
      this.options.logger?.info({ file: this.file, kids: set.keys.map((key) => key.kid) }, "auth keys reloaded");
    } catch (error) {
      this.options.logger?.error({ err: error, file: this.file }, "auth keys file unusable; the previous keys stay in force");
    }
  }
}

function readKeysFile(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (error) {
    throw new Error(`auth keys file ${file} cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); give a JWKS with --auth-keys-file or DSC_AUTH_KEYS_FILE`, { cause: error });
  }
}
