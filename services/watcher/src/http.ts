import Fastify, { LogController } from "fastify";
import type { Logger } from "pino";
import type { WatcherMetrics } from "./metrics";

export interface HttpContext {
  readonly logger: Logger;
  readonly metrics: WatcherMetrics;
  readonly status: () => unknown;
  readonly isReady: () => boolean;
}

/** Evidence and probes: GET /v1/status (JSON), /metrics (Prometheus), /healthz, /readyz. Read-only, no body parsing. */
export function buildHttp(context: HttpContext) {
  const app = Fastify({ loggerInstance: context.logger, logController: new LogController({ disableRequestLogging: true }) });
  app.get("/v1/status", async (_request, reply) => reply.send(context.status()));
  app.get("/metrics", async (_request, reply) => reply.type(context.metrics.registry.contentType).send(await context.metrics.registry.metrics()));
  app.get("/healthz", async (_request, reply) => reply.send({ status: "ok" }));
  app.get("/readyz", async (_request, reply) =>
    context.isReady() ? reply.send({ status: "ready" }) : reply.code(503).send({ status: "not_ready", message: "a detector has not completed its first check, or the watcher is stopping; see /v1/status" }),
  );
  app.setNotFoundHandler((request, reply) => reply.code(404).send({ error: "no_route", message: `no route ${request.method} ${request.url.split("?")[0]}; see services/watcher/README.md` }));
  return app;
}
