import * as grpc from "@grpc/grpc-js";
import * as languageGrpc from "@pulumi/pulumi/proto/language_grpc_pb";
import * as languagePb from "@pulumi/pulumi/proto/language_pb";
import { environmentOf, isPolicyPack, policyPackCommand, runPolicyPack } from "./policy-pack";

describe("policyPackCommand", () => {
  it("runs run-policy-pack like the Node.js host: plugin args first, the pack directory last, in the pack directory", () => {
    const command = policyPackCommand({ args: ["127.0.0.1:1234"], programDirectory: __dirname, typescript: true, env: ["A=b=c"] });
    expect(command.command).toBe(process.execPath);
    expect(command.args.slice(1)).toEqual(["127.0.0.1:1234", __dirname]);
    expect(command.args[0]).toMatch(/@pulumi\/pulumi\/cmd\/run-policy-pack\/index\.js$/);
    expect(command.cwd).toBe(__dirname);
    expect(command.env).toEqual({ A: "b=c", PULUMI_NODEJS_TYPESCRIPT: "true" });
  });

  it("leaves TypeScript off when the pack's runtime options turn it off", () => {
    expect(policyPackCommand({ args: [], programDirectory: __dirname, typescript: false, env: [] }).env).toEqual({});
  });
});

describe("isPolicyPack", () => {
  it.each([["analyzer", true], ["", true], ["resource", false], ["converter", false]])("kind %j: %s", (kind, expected) => {
    expect(isPolicyPack(kind)).toBe(expected);
  });
});

describe("environmentOf", () => {
  it("splits each entry at its first '=' only", () => {
    expect(environmentOf(["PATH=/a:/b", "EMPTY=", "EQ=x=y"])).toEqual({ PATH: "/a:/b", EMPTY: "", EQ: "x=y" });
  });
});

describe("runPolicyPack served over gRPC", () => {
  it("answers UNIMPLEMENTED, naming the kind, for a plugin that is not a policy pack", async () => {
    const server = new grpc.Server();
    server.addService(languageGrpc.LanguageRuntimeService, { runPlugin: runPolicyPack });
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))),
    );
    const client = new languageGrpc.LanguageRuntimeClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    try {
      const stream = client.runPlugin(new languagePb.RunPluginRequest().setKind("resource").setPwd(__dirname));
      const error = await new Promise<grpc.ServiceError>((resolve) => {
        stream.on("data", () => undefined);
        stream.on("error", resolve);
      });
      expect(error.code).toBe(grpc.status.UNIMPLEMENTED);
      expect(error.details).toBe("this Node.js language host runs policy packs only, not plugins of kind 'resource'");
    } finally {
      client.close();
      server.forceShutdown();
    }
  });
});
