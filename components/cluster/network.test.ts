import { carveSubnet } from "./network";

describe("carveSubnet", () => {
  it("carves consecutive blocks out of a network", () => {
    expect([0, 1, 2].map((i) => carveSubnet("10.10.0.0/16", 19, i))).toEqual(["10.10.0.0/19", "10.10.32.0/19", "10.10.64.0/19"]);
    expect(carveSubnet("10.10.0.0/16", 24, 226)).toBe("10.10.226.0/24");
    expect(carveSubnet("10.20.7.9/16", 20, 0)).toBe("10.20.0.0/20");
  });
  it("refuses blocks that do not fit", () => {
    expect(() => carveSubnet("10.10.0.0/16", 19, 8)).toThrow(/holds 8 \/19 subnets; index 8 is out of range/);
    expect(() => carveSubnet("10.10.0.0/16", 15, 0)).toThrow(/cannot carve \/15 subnets out of 10\.10\.0\.0\/16/);
  });
});
