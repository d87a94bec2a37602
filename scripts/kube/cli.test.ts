import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { localStackRegions } from "./cli";
import { machineAddress, portTakenError } from "./cluster";
import { clusterLayout } from "./layout";

describe("npm run kube", () => {
  it("starts one cluster per region of the committed local stack", () => {
    expect(localStackRegions()).toEqual(["alpha", "beta", "gamma"]);
  });

  it("refuses a stack file without regions, naming it", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dsc-kube-cli-"));
    const file = path.join(dir, "Pulumi.local.yaml");
    fs.writeFileSync(file, "config:\n  dsc:cloud: local\n");
    expect(() => localStackRegions(file)).toThrow(`${file}: no regions under dsc:local.regions`);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("advertises the machine's first non-loopback IPv4 address, and says so when there is none", () => {
    const lo = { address: "127.0.0.1", netmask: "255.0.0.0", family: "IPv4", mac: "00:00:00:00:00:00", internal: true, cidr: "127.0.0.1/8" } as const;
    const eth = { ...lo, address: "10.2.3.4", internal: false, cidr: "10.2.3.4/24" } as const;
    const v6 = { ...lo, address: "fe80::1", family: "IPv6", internal: false, scopeid: 1, cidr: "fe80::1/64" } as const;
    expect(machineAddress({ lo: [lo], eth0: [v6, eth] })).toBe("10.2.3.4");
    expect(() => machineAddress({ lo: [lo] })).toThrow(/no non-loopback IPv4 address/);
  });

  it("names a busy port, whose it is, and the two ways out", () => {
    const layout = clusterLayout("/x/kube", "beta");
    const ports = { etcd: 1, etcdPeer: 2, apiserver: 3, controllerManager: 4, scheduler: 5, kwok: 6 };
    expect(portTakenError(layout, "kube-apiserver", "apiserver", ports).message).toBe(
      "beta: cannot start kube-apiserver: port 127.0.0.1:3 (apiserver, from /x/kube/beta/ports.json) is in use by a process that is not this cluster's. " +
        "Stop that process, or delete /x/kube/beta/ports.json and start again to choose new ports (the kubeconfig is rewritten with the new address).",
    );
  });
});
