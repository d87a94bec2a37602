import { loadBuild, CONTRACT_NAMES } from "../../governance/consortium/artifacts";
import { sourceDigests } from "../scripts/sources";

test("contracts/build/consortium.json was built from the current sources (else run `npm run contracts:build`)", () => {
  const build = loadBuild();
  expect(build.sources).toEqual(sourceDigests());
  expect(build.solc).toBe("0.8.28");
  for (const name of CONTRACT_NAMES) expect(build.contracts[name].bytecode.length).toBeGreaterThan(1000);
});
