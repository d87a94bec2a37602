/**
 * Generic gRPC forwarding: every method of a service definition is served by relaying the call, still encoded,
 * to an upstream server. Messages are never decoded, so fields that only one side knows (the CLI speaks a newer
 * language protocol than the Go host it reaches through here) pass through byte for byte, and status codes,
 * details and request metadata reach the caller as the upstream sent them.
 */
import { EventEmitter } from "node:events";
import * as grpc from "@grpc/grpc-js";

type Bytes = Buffer;
type RawMethod = grpc.MethodDefinition<Bytes, Bytes>;

const asIs = (bytes: Bytes): Bytes => bytes;

/** The same service with messages left as bytes both ways (what a relay serves and sends). */
export function rawDefinition(definition: grpc.ServiceDefinition): Record<string, RawMethod> {
  return Object.fromEntries(
    Object.entries(definition).map(([name, method]) => [
      name,
      { ...method, requestSerialize: asIs, requestDeserialize: asIs, responseSerialize: asIs, responseDeserialize: asIs },
    ]),
  );
}

/** Upstream responses to the caller: each message, then the end, or the upstream's error status. */
function relayResponses(from: grpc.ClientReadableStream<Bytes>, to: grpc.ServerWritableStream<Bytes, Bytes> | grpc.ServerDuplexStream<Bytes, Bytes>): void {
  from.on("data", (message: Bytes) => to.write(message));
  // grpc-js turns an 'error' event on a server stream into the call's status (destroy() would send none).
  from.on("error", (error: grpc.ServiceError) => to.emit("error", error));
  from.on("end", () => to.end());
}

/** Caller requests to the upstream, and the caller's half-close. */
function relayRequests(from: grpc.ServerReadableStream<Bytes, Bytes> | grpc.ServerDuplexStream<Bytes, Bytes>, to: grpc.ClientWritableStream<Bytes>): void {
  from.on("data", (message: Bytes) => to.write(message));
  from.on("end", () => to.end());
}

/** A caller that gives up cancels the upstream call too (the CLI cancels Run on Ctrl-C). */
function cancelWith(call: EventEmitter, outgoing: grpc.Call): void {
  call.on("cancelled", () => outgoing.cancel());
}

/** The handler relaying one method to `upstream`, chosen by the method's streaming shape. */
export function relayHandler(method: RawMethod, upstream: grpc.Client): grpc.UntypedHandleCall {
  const { path, requestStream, responseStream } = method;
  if (!requestStream && !responseStream) {
    return (call: grpc.ServerUnaryCall<Bytes, Bytes>, callback: grpc.sendUnaryData<Bytes>) =>
      cancelWith(call, upstream.makeUnaryRequest(path, asIs, asIs, call.request, call.metadata, callback));
  }
  if (!requestStream) {
    return (call: grpc.ServerWritableStream<Bytes, Bytes>) => {
      const outgoing = upstream.makeServerStreamRequest(path, asIs, asIs, call.request, call.metadata);
      relayResponses(outgoing, call);
      cancelWith(call, outgoing);
    };
  }
  if (!responseStream) {
    return (call: grpc.ServerReadableStream<Bytes, Bytes>, callback: grpc.sendUnaryData<Bytes>) => {
      const outgoing = upstream.makeClientStreamRequest(path, asIs, asIs, call.metadata, callback);
      relayRequests(call, outgoing);
      cancelWith(call, outgoing);
    };
  }
  return (call: grpc.ServerDuplexStream<Bytes, Bytes>) => {
    const outgoing = upstream.makeBidiStreamRequest(path, asIs, asIs, call.metadata);
    relayRequests(call, outgoing);
    relayResponses(outgoing, call);
    cancelWith(call, outgoing);
  };
}

export interface RelayService {
  definition: grpc.ServiceDefinition;
  implementation: grpc.UntypedServiceImplementation;
}

/**
 * `definition` served by relaying every method to `upstream`, except those `own` implements: these keep the
 * definition's own (de)serializers, so their handlers get and return decoded messages.
 */
export function relayService(
  definition: grpc.ServiceDefinition,
  upstream: grpc.Client,
  own: grpc.UntypedServiceImplementation = {},
): RelayService {
  const unknown = Object.keys(own).filter((name) => !(name in definition));
  if (unknown.length > 0) {
    throw new Error(`relayService: ${unknown.join(", ")} not in the service definition (${Object.keys(definition).join(", ")})`);
  }
  const raw = rawDefinition(definition);
  const names = Object.keys(definition);
  return {
    definition: Object.fromEntries(names.map((name) => [name, name in own ? definition[name] : raw[name]])),
    implementation: Object.fromEntries(names.map((name) => [name, name in own ? own[name] : relayHandler(raw[name], upstream)])),
  };
}
