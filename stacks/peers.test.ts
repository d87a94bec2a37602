import { classifyPeers, describeMissingPeers } from "./peers";

describe("classifyPeers", () => {
  it("wires peers that export a wss:// endpoint and reports the others with the reason", () => {
    const wiring = classifyPeers([
      { region: "beta", stack: "org/p/beta", endpoint: "wss://peer.beta.example.org:7070" },
      { region: "gamma", stack: "org/p/gamma", endpoint: undefined },
      { region: "alpha", stack: "org/p/alpha", endpoint: "https://wrong:443" },
    ]);
    expect(wiring.wired).toEqual([{ name: "beta", url: "wss://peer.beta.example.org:7070" }]);
    expect(wiring.missing).toEqual([
      { region: "gamma", stack: "org/p/gamma", reason: "stack org/p/gamma has no replicationPeerEndpoint output yet (not deployed)" },
      { region: "alpha", stack: "org/p/alpha", reason: 'stack org/p/alpha exports replicationPeerEndpoint="https://wrong:443", not a wss://host:port URL' },
    ]);
  });

  it("says nothing when every peer is wired, and what to do when some are missing", () => {
    expect(describeMissingPeers("alpha", [])).toBeUndefined();
    expect(describeMissingPeers("alpha", [{ region: "gamma", stack: "s", reason: "r" }])).toBe(
      "alpha: replication starts without 1 peer(s); run `pulumi up` here again after they deploy:\n  - gamma: r",
    );
  });
});
