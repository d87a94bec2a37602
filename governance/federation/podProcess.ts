/**
 * What a pod of the `local` stack would run, as a local process: its container's environment (literal values,
 * `envFrom` ConfigMaps, `fieldRef` of the pod index), its Secret volumes as files, its other volumes as folders,
 * every in-cluster address turned into the loopback one of the same region's local process. Pure: the caller reads
 * the objects from the cluster and writes the files. A setting the stack adds later (a new DSC_* variable, a new
 * Secret key) flows through without a change here.
 */
import path from "node:path";

export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { fieldRef?: { fieldPath: string }; configMapKeyRef?: { name: string; key: string }; secretKeyRef?: { name: string; key: string } };
}
export interface Container {
  name: string;
  env?: EnvVar[];
  envFrom?: Array<{ configMapRef?: { name: string }; secretRef?: { name: string } }>;
  volumeMounts?: Array<{ name: string; mountPath: string }>;
}
export interface Volume {
  name: string;
  secret?: { secretName: string; items?: Array<{ key: string; path: string }> };
  configMap?: { name: string; items?: Array<{ key: string; path: string }> };
  emptyDir?: unknown;
}
export interface PodTemplate {
  spec: { containers: Container[]; volumes?: Volume[] };
}
/** ConfigMap data and Secret data (already base64-decoded), by object name, in the workload's namespace. */
export interface NamespaceObjects {
  configMaps: Record<string, Record<string, string>>;
  secrets: Record<string, Record<string, string>>;
}

/** Loopback ports of each region's local processes. */
export interface RegionPorts {
  api: number;
  peer: number;
  watcher: number;
}

export interface LocalProcessPlan {
  env: Record<string, string>;
  /** Files to write (mode 0600), absolute path → content. */
  files: Record<string, string>;
  /** Folders emptied at each start (emptyDir). */
  freshDirs: string[];
  /** Folders kept across starts (volume claims). */
  keptDirs: string[];
}

const IN_CLUSTER_HOST = /^(?:[a-z0-9-]+\.)*dsc-replication-([a-z]+)\.svc(?:\.cluster\.local)?$/;

/**
 * An in-cluster URL of a region's replication layer (`…dsc-replication-<region>.svc.cluster.local:<port>`) as the
 * loopback one of that region's local node: the peer port (7070) or the data API (anything else). Other URLs
 * (the chain on loopback already) are kept.
 */
export function localUrl(url: string, ports: Record<string, RegionPorts>): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return url;
  }
  const m = IN_CLUSTER_HOST.exec(u.hostname);
  const region = m?.[1];
  if (region === undefined || ports[region] === undefined) return url;
  const port = u.port === "7070" ? ports[region].peer : ports[region].api;
  return `${u.protocol}//127.0.0.1:${port}${u.pathname === "/" ? "" : u.pathname}`;
}

/**
 * A `NAME=URL,NAME=URL` list with each URL made local. Entries of `self`'s own region are dropped (the local
 * federation runs one node per region: its same-region replicas, `<region>-<ordinal>`, would be itself), and so are
 * entries that became the same address.
 */
export function localUrlList(list: string, ports: Record<string, RegionPorts>, self?: string): string {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const entry of list.split(",").map((s) => s.trim()).filter(Boolean)) {
    const at = entry.indexOf("=");
    const url = at < 0 ? entry : entry.slice(at + 1);
    const region = regionOf(url);
    if (self !== undefined && region === self) continue;
    const local = localUrl(url, ports);
    if (seen.has(local)) continue;
    seen.add(local);
    out.push(at < 0 ? local : `${entry.slice(0, at)}=${local}`);
  }
  return out.join(",");
}

function regionOf(url: string): string | undefined {
  try {
    return IN_CLUSTER_HOST.exec(new URL(url).hostname)?.[1];
  } catch {
    return undefined;
  }
}

export interface PlanInput {
  template: PodTemplate;
  objects: NamespaceObjects;
  /** Folder of this process's local files (`<state>/federation/<region>/<component>`). */
  dir: string;
  region: string;
  ports: Record<string, RegionPorts>;
  /** Listen settings of this process: variable name → loopback port. */
  listen: Record<string, number>;
  /** Extra settings only a local process needs (a kubeconfig in place of the service account). */
  extra?: Record<string, string>;
}

/** The local process of the template's first container; throws naming what the cluster lacks. */
export function planLocalProcess(input: PlanInput): LocalProcessPlan {
  const container = input.template.spec.containers[0];
  if (container === undefined) throw new Error("the pod template has no container");
  const volumes = new Map((input.template.spec.volumes ?? []).map((v) => [v.name, v]));
  const files: Record<string, string> = {};
  const freshDirs: string[] = [];
  const keptDirs: string[] = [];
  const mounts: Array<{ from: string; to: string }> = [];
  const need = <T>(what: string, value: T | undefined): T => {
    if (value === undefined) throw new Error(`${what} not found in the cluster (was the local stack applied?)`);
    return value;
  };
  for (const mount of container.volumeMounts ?? []) {
    const local = path.join(input.dir, mount.name);
    mounts.push({ from: mount.mountPath.replace(/\/+$/, ""), to: local });
    const volume = volumes.get(mount.name);
    const source = volume?.secret
      ? { data: need(`Secret ${volume.secret.secretName}`, input.objects.secrets[volume.secret.secretName]), items: volume.secret.items }
      : volume?.configMap
        ? { data: need(`ConfigMap ${volume.configMap.name}`, input.objects.configMaps[volume.configMap.name]), items: volume.configMap.items }
        : undefined;
    if (source) {
      const items = source.items ?? Object.keys(source.data).map((key) => ({ key, path: key }));
      for (const item of items) files[path.join(local, item.path)] = need(`key ${item.key} of the volume ${mount.name}`, source.data[item.key]);
    } else if (volume?.emptyDir !== undefined) freshDirs.push(local);
    // A volume claim (or any other persistent volume) is a folder kept across starts, as the claim would be.
    else keptDirs.push(local);
  }
  const localPath = (value: string): string => {
    const m = mounts.find((x) => value === x.from || value.startsWith(`${x.from}/`));
    return m ? m.to + value.slice(m.from.length) : value;
  };
  const env: Record<string, string> = {};
  for (const from of container.envFrom ?? []) {
    if (from.configMapRef) Object.assign(env, need(`ConfigMap ${from.configMapRef.name}`, input.objects.configMaps[from.configMapRef.name]));
    if (from.secretRef) Object.assign(env, need(`Secret ${from.secretRef.name}`, input.objects.secrets[from.secretRef.name]));
  }
  for (const v of container.env ?? []) {
    if (v.value !== undefined) env[v.name] = expandEnvRefs(v.value, env);
    else if (v.valueFrom?.fieldRef) env[v.name] = /pod-index/.test(v.valueFrom.fieldRef.fieldPath) ? "0" : v.valueFrom.fieldRef.fieldPath.includes("namespace") ? `dsc-${input.region}` : `${input.region}-0`;
    else if (v.valueFrom?.configMapKeyRef) env[v.name] = need(`ConfigMap ${v.valueFrom.configMapKeyRef.name}`, input.objects.configMaps[v.valueFrom.configMapKeyRef.name])[v.valueFrom.configMapKeyRef.key] ?? "";
    else if (v.valueFrom?.secretKeyRef) env[v.name] = need(`Secret ${v.valueFrom.secretKeyRef.name}`, input.objects.secrets[v.valueFrom.secretKeyRef.name])[v.valueFrom.secretKeyRef.key] ?? "";
  }
  for (const [name, value] of Object.entries(env)) {
    if (value.startsWith("/")) env[name] = localPath(value);
    else if (/^[a-z0-9+.-]+:\/\//i.test(value)) env[name] = localUrl(value, input.ports);
    else if (value.includes("=") && /:\/\//.test(value)) env[name] = localUrlList(value, input.ports, input.region);
  }
  for (const [name, port] of Object.entries(input.listen)) env[name] = `127.0.0.1:${port}`;
  Object.assign(env, input.extra ?? {});
  return { env, files, freshDirs, keptDirs };
}

/**
 * The kubelet's expansion of `$(NAME)` in an env value, from the variables defined before it (envFrom and earlier
 * env entries): `$$` stands for a literal `$`, a reference to an undefined name is kept as written.
 */
export function expandEnvRefs(value: string, defined: Record<string, string>): string {
  return value.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (match, name: string | undefined) =>
    name === undefined ? "$" : (defined[name] ?? match),
  );
}
