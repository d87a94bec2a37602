import * as grpc from "@grpc/grpc-js";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import * as languageGrpc from "@pulumi/pulumi/proto/language_grpc_pb";
import * as languagePb from "@pulumi/pulumi/proto/language_pb";
import * as pluginPb from "@pulumi/pulumi/proto/plugin_pb";
import { rawDefinition, relayService } from "./forward";

/** A service with every streaming shape, its messages plain bytes: for the two shapes LanguageRuntime lacks. */
const bytes = { requestSerialize: (b: Buffer) => b, requestDeserialize: (b: Buffer) => b, responseSerialize: (b: Buffer) => b, responseDeserialize: (b: Buffer) => b };
const ShapesService: grpc.ServiceDefinition = {
  collect: { path: "/test.Shapes/Collect", requestStream: true, responseStream: false, ...bytes },
  shout: { path: "/test.Shapes/Shout", requestStream: true, responseStream: true, ...bytes },
};

const servers: grpc.Server[] = [];
const clients: grpc.Client[] = [];

async function serve(definition: grpc.ServiceDefinition, implementation: grpc.UntypedServiceImplementation): Promise<string> {
  const server = new grpc.Server();
  servers.push(server);
  server.addService(definition, implementation);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))),
  );
  return `127.0.0.1:${port}`;
}

function client(address: string): grpc.Client {
  const made = new grpc.Client(address, grpc.credentials.createInsecure());
  clients.push(made);
  return made;
}

/** An upstream serving `implementation`, and a relay in front of it serving `own` itself. */
async function relayTo(definition: grpc.ServiceDefinition, implementation: grpc.UntypedServiceImplementation, own: grpc.UntypedServiceImplementation = {}): Promise<string> {
  const upstream = client(await serve(definition, implementation));
  const relay = relayService(definition, upstream, own);
  return serve(relay.definition, relay.implementation);
}

function languageClient(address: string): languageGrpc.LanguageRuntimeClient {
  const made = new languageGrpc.LanguageRuntimeClient(address, grpc.credentials.createInsecure());
  clients.push(made);
  return made;
}

function collect<T>(stream: grpc.ClientReadableStream<T>): Promise<T[]> {
  const received: T[] = [];
  return new Promise((resolve, reject) => {
    stream.on("data", (message: T) => received.push(message));
    stream.on("error", reject);
    stream.on("end", () => resolve(received));
  });
}

afterEach(() => {
  clients.splice(0).forEach((c) => c.close());
  servers.splice(0).forEach((s) => s.forceShutdown());
});

describe("relayService over LanguageRuntime", () => {
  it("relays a unary call and its request metadata, and returns the upstream's answer", async () => {
    let seenMetadata: grpc.MetadataValue[] = [];
    const address = await relayTo(languageGrpc.LanguageRuntimeService, {
      getPluginInfo: (call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<pluginPb.PluginInfo>) => {
        seenMetadata = call.metadata.get("x-dsc-test");
        callback(null, new pluginPb.PluginInfo().setVersion("3.68.0"));
      },
    });
    const metadata = new grpc.Metadata();
    metadata.set("x-dsc-test", "from-the-cli");
    const info = await new Promise<pluginPb.PluginInfo>((resolve, reject) =>
      languageClient(address).getPluginInfo(new Empty(), metadata, (error, response) => (error ? reject(error) : resolve(response))),
    );
    expect(info.getVersion()).toBe("3.68.0");
    expect(seenMetadata).toEqual(["from-the-cli"]);
  });

  it("passes the upstream's status through: a method the upstream lacks stays UNIMPLEMENTED", async () => {
    const address = await relayTo(languageGrpc.LanguageRuntimeService, {});
    const error = await new Promise<grpc.ServiceError>((resolve) =>
      languageClient(address).handshake(new languagePb.LanguageHandshakeRequest(), (err) => resolve(err as grpc.ServiceError)),
    );
    expect(error.code).toBe(grpc.status.UNIMPLEMENTED);
  });

  it("relays a server stream message by message, then its end", async () => {
    const address = await relayTo(languageGrpc.LanguageRuntimeService, {
      installDependencies: (call: grpc.ServerWritableStream<languagePb.InstallDependenciesRequest, languagePb.InstallDependenciesResponse>) => {
        const dir = call.request.getDirectory();
        call.write(new languagePb.InstallDependenciesResponse().setStdout(Buffer.from(`installing in ${dir}\n`)));
        call.write(new languagePb.InstallDependenciesResponse().setStderr(Buffer.from("done\n")));
        call.end();
      },
    });
    const responses = await collect(languageClient(address).installDependencies(new languagePb.InstallDependenciesRequest().setDirectory("/p")));
    expect(responses.map((r) => [Buffer.from(r.getStdout_asU8()).toString(), Buffer.from(r.getStderr_asU8()).toString()])).toEqual([
      ["installing in /p\n", ""],
      ["", "done\n"],
    ]);
  });

  it("passes an error in the middle of a server stream through, after the messages before it", async () => {
    const address = await relayTo(languageGrpc.LanguageRuntimeService, {
      installDependencies: (call: grpc.ServerWritableStream<unknown, languagePb.InstallDependenciesResponse>) => {
        call.write(new languagePb.InstallDependenciesResponse().setStdout(Buffer.from("partial")));
        call.emit("error", { name: "npm", message: "npm install failed", code: grpc.status.INTERNAL });
      },
    });
    const stream = languageClient(address).installDependencies(new languagePb.InstallDependenciesRequest());
    const seen: string[] = [];
    stream.on("data", (r: languagePb.InstallDependenciesResponse) => seen.push(Buffer.from(r.getStdout_asU8()).toString()));
    const error = await new Promise<grpc.ServiceError>((resolve) => stream.on("error", resolve));
    expect(seen).toEqual(["partial"]);
    expect(error.code).toBe(grpc.status.INTERNAL);
    expect(error.details).toBe("npm install failed");
  });

  it("cancels the upstream call when the caller cancels", async () => {
    let upstreamCancelled!: () => void;
    const cancelled = new Promise<void>((resolve) => (upstreamCancelled = resolve));
    const address = await relayTo(languageGrpc.LanguageRuntimeService, {
      installDependencies: (call: grpc.ServerWritableStream<unknown, languagePb.InstallDependenciesResponse>) => {
        call.write(new languagePb.InstallDependenciesResponse().setStdout(Buffer.from("started")));
        call.on("cancelled", () => upstreamCancelled());
      },
    });
    const stream = languageClient(address).installDependencies(new languagePb.InstallDependenciesRequest());
    stream.on("error", () => undefined); // the caller's own CANCELLED
    await new Promise((resolve) => stream.once("data", resolve));
    stream.cancel();
    await expect(cancelled).resolves.toBeUndefined();
  });

  it("serves the methods it implements itself with decoded messages, and relays the rest", async () => {
    const address = await relayTo(
      languageGrpc.LanguageRuntimeService,
      { getPluginInfo: (_call: unknown, callback: grpc.sendUnaryData<pluginPb.PluginInfo>) => callback(null, new pluginPb.PluginInfo().setVersion("upstream")) },
      {
        runPlugin: (call: grpc.ServerWritableStream<languagePb.RunPluginRequest, languagePb.RunPluginResponse>) => {
          call.write(new languagePb.RunPluginResponse().setStdout(Buffer.from(`ran ${call.request.getKind()} ${call.request.getArgsList().join(" ")}`)));
          call.end();
        },
      },
    );
    const responses = await collect(languageClient(address).runPlugin(new languagePb.RunPluginRequest().setKind("analyzer").setArgsList(["127.0.0.1:1"])));
    expect(responses.map((r) => Buffer.from(r.getStdout_asU8()).toString())).toEqual(["ran analyzer 127.0.0.1:1"]);
  });

  it("refuses to serve a method of its own that the service does not have", () => {
    const upstream = client("127.0.0.1:1");
    expect(() => relayService(languageGrpc.LanguageRuntimeService, upstream, { runPlugins: () => undefined })).toThrow(
      /runPlugins not in the service definition \(handshake, .*runPlugin/,
    );
  });
});

describe("relayService for the other streaming shapes", () => {
  it("relays a client stream and a bidirectional stream, bytes unchanged", async () => {
    const address = await relayTo(ShapesService, {
      collect: (call: grpc.ServerReadableStream<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => {
        const parts: Buffer[] = [];
        call.on("data", (part: Buffer) => parts.push(part));
        call.on("end", () => callback(null, Buffer.concat(parts)));
      },
      shout: (call: grpc.ServerDuplexStream<Buffer, Buffer>) => {
        call.on("data", (part: Buffer) => call.write(Buffer.from(part.toString().toUpperCase())));
        call.on("end", () => call.end());
      },
    });
    const raw = rawDefinition(ShapesService);
    const caller = client(address);
    const collected = await new Promise<Buffer>((resolve, reject) => {
      const stream = caller.makeClientStreamRequest<Buffer, Buffer>(raw.collect.path, (b) => b, (b) => b, (error, value) => (error || !value ? reject(error) : resolve(value)));
      stream.write(Buffer.from("fed"));
      stream.write(Buffer.from([0, 255]));
      stream.end();
    });
    expect([...collected]).toEqual([...Buffer.from("fed"), 0, 255]);

    const duplex = caller.makeBidiStreamRequest<Buffer, Buffer>(raw.shout.path, (b) => b, (b) => b);
    const echoed = collect(duplex);
    duplex.write(Buffer.from("alpha"));
    duplex.write(Buffer.from("beta"));
    duplex.end();
    expect((await echoed).map((b) => b.toString())).toEqual(["ALPHA", "BETA"]);
  });
});
