import { applyOverride, parseOverride } from "./overrides";

describe("--config overrides", () => {
  const config = { "dsc:region": "beta", "dsc:azure": JSON.stringify({ location: "westeurope", monitoring: { enabled: true } }) };

  it("replaces a whole key, keeping strings as strings and JSON as JSON", () => {
    expect(applyOverride(config, parseOverride("dsc:region=alpha"))["dsc:region"]).toBe("alpha");
    expect(applyOverride(config, parseOverride('dsc:peers=[{"region":"alpha"}]'))["dsc:peers"]).toBe('[{"region":"alpha"}]');
  });

  it("changes one field of an object key, parsing booleans and numbers", () => {
    const changed = applyOverride(config, parseOverride("dsc:azure.monitoring.enabled=false"));
    expect(JSON.parse(changed["dsc:azure"])).toEqual({ location: "westeurope", monitoring: { enabled: false } });
    expect(JSON.parse(applyOverride(config, parseOverride("dsc:azure.location=eastus"))["dsc:azure"]).location).toBe("eastus");
  });

  it("explains malformed overrides", () => {
    expect(() => parseOverride("dsc:region")).toThrow("expected <namespace:key>[.path]=<value>");
    expect(() => parseOverride("region=alpha")).toThrow("the key needs its namespace, e.g. dsc:region");
    expect(() => applyOverride(config, parseOverride("dsc:aws.region=us-east-1"))).toThrow("the stack has no dsc:aws to change");
    expect(() => applyOverride(config, parseOverride("dsc:azure.location.x=1"))).toThrow("location is not an object");
  });
});
