/**
 * Carves subnets out of an IPv4 block: the `index`-th block of size `/newPrefix` inside `base`.
 * Small and exact on purpose: pulling in an IP library for two shifts is not worth a dependency.
 */
export function carveSubnet(base: string, newPrefix: number, index: number): string {
  const [address, prefixText] = base.split("/");
  const prefix = Number(prefixText);
  if (newPrefix < prefix || newPrefix > 28) throw new Error(`cannot carve /${newPrefix} subnets out of ${base}`);
  const count = 2 ** (newPrefix - prefix);
  if (index < 0 || index >= count) throw new Error(`${base} holds ${count} /${newPrefix} subnets; index ${index} is out of range`);
  const start = (ipToNumber(address) & prefixMask(prefix)) + index * 2 ** (32 - newPrefix);
  return `${numberToIp(start)}/${newPrefix}`;
}

function prefixMask(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

function ipToNumber(ip: string): number {
  return ip.split(".").reduce((n, octet) => n * 256 + Number(octet), 0) >>> 0;
}

function numberToIp(n: number): string {
  return [24, 16, 8, 0].map((shift) => (n >>> shift) & 255).join(".");
}
