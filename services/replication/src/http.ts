import Fastify, { FastifyReply, LogController } from "fastify";
import type { Logger } from "pino";
import { z } from "zod";
import { Credential, refusal } from "./auth";
import { collectionSchema, docIdSchema } from "./keys";
import { formatVersion, Version } from "./lww";
import { DEFAULT_HTTP_LIMITS, HttpLimits } from "./limits";
import { ReplicationMetrics } from "./metrics";
import { PeerStatus } from "./peerTransport";
import { Replica } from "./replica";
import { requiredAccess, ROUTES } from "./scopes";

export const BODY_LIMIT_BYTES = 256 * 1024;
export const MAX_LIST_LIMIT = 1000;

export interface ApiContext {
  readonly replica: Replica;
  readonly node: { region: string; replica: number; name: string };
  readonly metrics: ReplicationMetrics;
  readonly logger: Logger;
  /** Checks the Authorization header of a request. */
  readonly authenticate: (authorization: string | undefined) => Credential | Promise<Credential>;
  readonly peers: () => PeerStatus[];
  readonly isReady: () => boolean;
  /** Timeouts and the connection cap (default: DEFAULT_HTTP_LIMITS). */
  readonly limits?: HttpLimits;
}

const docParams = z.object({ collection: collectionSchema, id: docIdSchema });
const listParams = z.object({ collection: collectionSchema });
const listQuery = z.object({
  prefix: z.string().max(200).regex(/^[A-Za-z0-9_.:@~-]*$/, { message: "prefix may only use document id characters" }).default(""),
  limit: z.coerce.number().int().min(1).max(MAX_LIST_LIMIT).default(100),
  cursor: docIdSchema.optional(),
});
const documentBody = z.record(z.string(), z.unknown(), { message: "body must be a JSON object (the document)" });

export interface Problem {
  readonly status: number;
  readonly error: string;
  readonly message: string;
}

/** Wording of a validation failure: which field, and why. */
export function validationProblem(where: string, issues: readonly z.core.$ZodIssue[]): Problem {
  const details = issues.map((issue) => `${[where, ...issue.path.map(String)].join(".")}: ${issue.message}`);
  return { status: 400, error: "invalid_request", message: details.join("; ") };
}

/** Maps fastify's own 4xx errors (bad JSON, size, media type) to our error shape; anything else is a 500. */
export function frameworkProblem(error: { statusCode?: number; code?: string; message: string }): Problem {
  const status = error.statusCode ?? 500;
  if (status >= 500) return { status: 500, error: "internal", message: "internal error; see the node's log" };
  const byCode: Record<string, [string, string]> = {
    FST_ERR_CTP_BODY_TOO_LARGE: ["body_too_large", `body is larger than the ${BODY_LIMIT_BYTES}-byte limit`],
    FST_ERR_CTP_INVALID_MEDIA_TYPE: ["unsupported_media_type", "send the document as Content-Type: application/json"],
    FST_ERR_CTP_EMPTY_JSON_BODY: ["empty_body", "body is empty: send the document as a JSON object"],
    FST_ERR_CTP_INVALID_JSON_BODY: ["invalid_json", "body is not valid JSON, or uses a forbidden key such as __proto__"],
  };
  const known = error.code ? byCode[error.code] : undefined;
  return known ? { status, error: known[0], message: known[1] } : { status, error: "bad_request", message: error.message };
}

/** A write whose commit failed was not acknowledged: the client may retry it (503, not 500). */
async function durably(write: () => Promise<Version>): Promise<{ ok: true; version: Version } | { ok: false; problem: Problem }> {
  try {
    return { ok: true, version: await write() };
  } catch (error) {
    return { ok: false, problem: { status: 503, error: "not_durable", message: `the write could not be committed to this node's log (${(error as Error).message}); it was not applied durably, retry it` } };
  }
}

function send(reply: FastifyReply, problem: Problem): FastifyReply {
  return reply.code(problem.status).send({ error: problem.error, message: problem.message });
}

function parse<T>(schema: z.ZodType<T>, value: unknown, where: string): { ok: true; value: T } | { ok: false; problem: Problem } {
  const result = schema.safeParse(value);
  return result.success ? { ok: true, value: result.data } : { ok: false, problem: validationProblem(where, result.error.issues) };
}

export function buildApi(context: ApiContext) {
  const { replica, metrics, node } = context;
  const limits = context.limits ?? DEFAULT_HTTP_LIMITS;
  // Node checks the header and request timeouts on a sweep (30 s by default): sweep at a tenth of the header timeout,
  // so a slow-loris connection (a byte every few seconds) is cut within about its timeout.
  const http = { headersTimeout: limits.headersTimeoutMs, requestTimeout: limits.requestTimeoutMs, keepAliveTimeout: limits.keepAliveTimeoutMs, connectionsCheckingInterval: Math.max(50, Math.floor(limits.headersTimeoutMs / 10)) };
  const app = Fastify({
    loggerInstance: context.logger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: BODY_LIMIT_BYTES,
    routerOptions: { maxParamLength: 300 },
    http,
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
  });
  app.server.maxConnections = limits.maxConnections;
  app.server.on("drop", () => metrics.httpRefusals.inc({ reason: "connection_cap" }));
  // Counted only: fastify's own handler answers (408, 400, 431) and closes the socket.
  app.server.on("clientError", (error: NodeJS.ErrnoException) => metrics.httpRefusals.inc({ reason: error.code === "ERR_HTTP_REQUEST_TIMEOUT" ? "timeout" : "client_error" }));
  // Documents are JSON only: without the text parser, other media types get a clear 415.
  app.removeContentTypeParser("text/plain");
  const reject = (reply: FastifyReply, problem: Problem): FastifyReply => {
    metrics.rejected.inc({ status: String(problem.status) });
    return send(reply, problem);
  };

  app.setErrorHandler((error, request, reply) => {
    const problem = frameworkProblem(error as { statusCode?: number; code?: string; message: string });
    if (problem.status >= 500) request.log.error({ err: error, url: request.url }, "request failed");
    return problem.status >= 500 ? send(reply, problem) : reject(reply, problem);
  });
  // Credentials are checked first, before the body is read: a refused request writes nothing.
  // Callback style, so a token seen before costs no promise on every request.
  app.addHook("onRequest", (request, reply, done) => {
    const access = requiredAccess(request.method, request.routeOptions.url, request.params as Record<string, string | undefined>);
    if (access.kind === "open") return done();
    const decide = (credential: Credential): void => {
      const refused = refusal(access, credential, `${request.method} ${request.url.split("?")[0]}`);
      if (!refused) return done();
      metrics.authRefusals.inc({ status: String(refused.status), reason: refused.reason });
      reply.header("www-authenticate", refused.challenge);
      reject(reply, { status: refused.status, error: refused.error, message: refused.message });
    };
    const credential = context.authenticate(request.headers.authorization);
    if (credential instanceof Promise) credential.then(decide, done);
    else decide(credential);
  });

  app.setNotFoundHandler((request, reply) =>
    reject(reply, { status: 404, error: "no_route", message: `no route ${request.method} ${request.url.split("?")[0]}; see services/replication/README.md for the API` }),
  );

  app.put(ROUTES.doc, async (request, reply) => {
    const params = parse(docParams, request.params, "path");
    if (!params.ok) return reject(reply, params.problem);
    const body = parse(documentBody, request.body, "body");
    if (!body.ok) return reject(reply, body.problem);
    const written = await durably(() => replica.write(params.value.collection, params.value.id, body.value));
    if (!written.ok) return send(reply, written.problem);
    const version = formatVersion(written.version);
    metrics.writes.inc({ op: "put" });
    return reply.header("etag", `"${version}"`).send({ collection: params.value.collection, id: params.value.id, version });
  });

  app.get(ROUTES.doc, async (request, reply) => {
    const params = parse(docParams, request.params, "path");
    if (!params.ok) return reject(reply, params.problem);
    const { collection, id } = params.value;
    const doc = replica.store.read(collection, id);
    if (!doc || doc.deleted) return send(reply, { status: 404, error: "not_found", message: `document ${collection}/${id} does not exist on ${node.name}` });
    const version = formatVersion(doc.version);
    return reply.header("etag", `"${version}"`).send({ collection, id, version, document: doc.value });
  });

  app.delete(ROUTES.doc, async (request, reply) => {
    const params = parse(docParams, request.params, "path");
    if (!params.ok) return reject(reply, params.problem);
    const { collection, id } = params.value;
    const existed = replica.store.read(collection, id)?.deleted === false;
    // The tombstone is written even when absent here: it must beat an older write still in flight.
    const written = await durably(() => replica.write(collection, id, undefined));
    if (!written.ok) return send(reply, written.problem);
    const version = formatVersion(written.version);
    metrics.writes.inc({ op: "delete" });
    return reply.send({ collection, id, version, deleted: existed });
  });

  app.get(ROUTES.list, async (request, reply) => {
    const params = parse(listParams, request.params, "path");
    if (!params.ok) return reject(reply, params.problem);
    const query = parse(listQuery, request.query, "query");
    if (!query.ok) return reject(reply, query.problem);
    const { prefix, limit, cursor } = query.value;
    return reply.send({ collection: params.value.collection, ...replica.store.list(params.value.collection, prefix, cursor, limit) });
  });

  app.get(ROUTES.status, async (_request, reply) =>
    reply.send({
      region: node.region,
      replica: node.replica,
      node: node.name,
      keys: replica.store.keyCount(),
      pendingCommit: replica.pendingCount(),
      digest: replica.store.digest(),
      integrity: replica.integrity(),
      peers: context.peers(),
    }),
  );

  app.get(ROUTES.healthz, async (_request, reply) => reply.send({ status: "ok" }));
  app.get(ROUTES.readyz, async (_request, reply) =>
    context.isReady() ? reply.send({ status: "ready" }) : reply.code(503).send({ status: "not_ready", message: "starting or shutting down" }),
  );
  app.get(ROUTES.metrics, async (_request, reply) => reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()));
  return app;
}
