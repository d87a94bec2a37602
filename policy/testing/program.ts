/** The resources a stack registers, as the tests see them. */
import { ResourceRecord } from "../evaluate";
import { Region, REGIONS } from "../regions";
import { federationFixture } from "./fixtures";

export type StackName = Region | "local";

export async function stackRecords(stack: StackName): Promise<ResourceRecord[]> {
  return federationFixture(stack === "local" ? [...REGIONS] : [stack]);
}
