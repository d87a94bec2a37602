import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, JWK, SignJWT } from "jose";
import { z } from "zod";

/**
 * Data API credentials: ES256 JWTs signed by a key the stack provisions. Nodes hold only the
 * public keys (a JWKS file), so they verify a token without a round trip to anyone.
 */
export const TOKEN_ISSUER = "dsc-federation";
export const TOKEN_AUDIENCE = "dsc-replication";
export const TOKEN_ALGORITHM = "ES256";
/** Long-lived bearer tokens are how data leaks for months: a token lives at most this long. */
export const MAX_TTL_SECONDS = 30 * 24 * 3600;

const publicJwk = z
  .object({
    kty: z.literal("EC", { message: 'kty must be "EC" (an ES256 key)' }),
    crv: z.literal("P-256", { message: 'crv must be "P-256"' }),
    x: z.string().min(1),
    y: z.string().min(1),
    kid: z.string({ message: "every key needs a kid (tokens name their key by it)" }).min(1),
    alg: z.literal(TOKEN_ALGORITHM, { message: `alg must be "${TOKEN_ALGORITHM}"` }),
    use: z.literal("sig").optional(),
  })
  .loose()
  .refine((key) => !("d" in key), { message: "this is a private key: the keys file must hold public keys only (publish keygen's --jwks-file)", path: ["d"] });

const jwksSchema = z
  .object({ keys: z.array(publicJwk).min(1, { message: "the key set is empty: at least one public key is needed" }) })
  .refine((set) => new Set(set.keys.map((key) => key.kid)).size === set.keys.length, { message: "two keys share a kid", path: ["keys"] });

export type PublicJwks = { keys: JWK[] };

/** Parses the node's keys file; throws naming the file, the field and the fix. */
export function parseJwks(content: string, path: string): PublicJwks {
  let json: unknown;
  try {
    json = JSON.parse(content);
  } catch {
    throw new Error(`auth keys file ${path} is not JSON; expected {"keys": [public ES256 JWKs]}`);
  }
  const parsed = jwksSchema.safeParse(json);
  if (!parsed.success) {
    const details = parsed.error.issues.map((issue) => `${issue.path.join(".") || "(file)"}: ${issue.message}`);
    throw new Error(`auth keys file ${path}: ${details.join("; ")}`);
  }
  return { keys: parsed.data.keys as JWK[] };
}

const privateJwk = z.object({ kty: z.literal("EC"), crv: z.literal("P-256"), d: z.string().min(1), kid: z.string().min(1), alg: z.literal(TOKEN_ALGORITHM) }).loose();

export function parsePrivateJwk(content: string, path: string): JWK {
  let json: unknown;
  try {
    json = JSON.parse(content);
  } catch {
    throw new Error(`signing key file ${path} is not JSON; expected a private ES256 JWK written by keygen`);
  }
  const parsed = privateJwk.safeParse(json);
  if (!parsed.success) throw new Error(`signing key file ${path} is not a private ES256 JWK with kid and alg (write one with keygen)`);
  return parsed.data as JWK;
}

export interface SigningKey {
  /** Private JWK: keep it where only the token issuer reads it. */
  readonly privateJwk: JWK;
  readonly publicJwk: JWK;
}

/** A new ES256 key; its kid is its RFC 7638 thumbprint unless one is given. */
export async function generateSigningKey(kid?: string): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(TOKEN_ALGORITHM, { extractable: true });
  const pub = await exportJWK(publicKey);
  const id = kid ?? (await calculateJwkThumbprint(pub));
  const meta = { kid: id, alg: TOKEN_ALGORITHM, use: "sig" };
  return { privateJwk: { ...(await exportJWK(privateKey)), ...meta }, publicJwk: { ...pub, ...meta } };
}

/** Adds a public key to a key set (rotation: old and new valid at once), replacing one of the same kid. */
export function withKey(set: PublicJwks | undefined, key: JWK): PublicJwks {
  return { keys: [...(set?.keys ?? []).filter((existing) => existing.kid !== key.kid), key] };
}

export function withoutKey(set: PublicJwks, kid: string): PublicJwks {
  if (!set.keys.some((key) => key.kid === kid)) throw new Error(`no key with kid ${kid} in the key set (kids: ${set.keys.map((key) => key.kid).join(", ")})`);
  if (set.keys.length === 1) throw new Error(`kid ${kid} is the only key: add its successor before retiring it`);
  return { keys: set.keys.filter((key) => key.kid !== kid) };
}

/** "90s", "15m", "1h", "7d" -> seconds; at most MAX_TTL_SECONDS. */
export function parseTtl(text: string): number {
  const match = /^(\d+)\s*([smhd])$/.exec(text.trim());
  if (!match) throw new Error(`ttl "${text}": expected a number and a unit, e.g. 90s, 15m, 1h, 7d`);
  const seconds = Number(match[1]) * { s: 1, m: 60, h: 3600, d: 86400 }[match[2] as "s" | "m" | "h" | "d"];
  if (seconds <= 0) throw new Error(`ttl "${text}" must be positive`);
  if (seconds > MAX_TTL_SECONDS) throw new Error(`ttl "${text}" is longer than the ${MAX_TTL_SECONDS / 86400}-day limit; mint a new token when it expires`);
  return seconds;
}

export interface TokenRequest {
  readonly scopes: readonly string[];
  /** Expiry, seconds since the epoch. */
  readonly expiresAt: number;
  /** Who the token is for (the `sub` claim), for the logs. */
  readonly subject?: string;
}

export async function mintToken(key: JWK, request: TokenRequest): Promise<string> {
  const jwt = new SignJWT({ scope: request.scopes.join(" ") })
    .setProtectedHeader({ alg: TOKEN_ALGORITHM, kid: key.kid, typ: "JWT" })
    .setIssuer(TOKEN_ISSUER)
    .setAudience(TOKEN_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(request.expiresAt);
  if (request.subject) jwt.setSubject(request.subject);
  return jwt.sign(await importJWK(key, TOKEN_ALGORITHM));
}
