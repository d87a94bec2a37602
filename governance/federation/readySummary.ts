/** What `npm start` prints once the federation is ready: endpoints, the status page, local-only keys, what to try. */
export interface SummaryInput {
  seconds: number;
  rpc: string;
  deploymentFile: string;
  configFile: string;
  statusPage: string;
  replication: Record<string, string>;
  watchers: Record<string, string>;
  tokenFile: string;
  /** Folder of the dev keys, one file per key (board1.key, dsp2-owner1.key, deployer.key, …). */
  devKeysDir: string;
  stateDir: string;
  logDir: string;
}

export function readySummary(s: SummaryInput): string {
  const [first, second] = Object.keys(s.replication);
  const lines = [
    `ready in ${s.seconds.toFixed(1)} s: the federation runs on this machine (Ctrl-C stops it all)`,
    "",
    `  chain        ${s.rpc}  (consortium: ${s.deploymentFile})`,
    `  status page  ${s.statusPage}`,
    ...Object.entries(s.replication).map(([r, url]) => `  ${r.padEnd(12)} replication ${url}   watcher ${s.watchers[r] ?? "-"}/v1/status`),
    "",
    "local-only keys and tokens (dev keys: worthless outside this machine):",
    `  data API token (read:* write:* status)  ${s.tokenFile}`,
    `  dev keys (Board, DSP owners, agents)    ${s.devKeysDir}/`,
    `  logs                                    ${s.logDir}`,
    "",
    "try next:",
    `  1. write in ${first}, read in ${second ?? first}:`,
    `     curl -X PUT -H "authorization: Bearer $(cat ${s.tokenFile})" -H 'content-type: application/json' -d '{"hello":"world"}' ${s.replication[first]}/v1/collections/notes/docs/n1`,
    `     curl -H "authorization: Bearer $(cat ${s.tokenFile})" ${s.replication[second ?? first]}/v1/collections/notes/docs/n1`,
    "  2. propose, sign and apply an operational change of beta's alone (DSP-2's own approval): in the config file below,",
    "     under dsc:local.regions.beta, add replicationResources: {cpuRequest: 300m, cpuLimit: \"2\", memoryRequest: 384Mi, memoryLimit: 2Gi}",
    `     export DSC_STATE_DIR=${s.stateDir} DSC_RPC_URL=${s.rpc} DSC_DEPLOYMENT=${s.deploymentFile}`,
    `     npx dsc change local --config-file ${s.configFile} --bundle ${s.stateDir}/changes/mine --agent-key-file ${s.devKeysDir}/agent2.key`,
    `     npx dsc sign ${s.stateDir}/changes/mine --key-file ${s.devKeysDir}/dsp2-owner1.key`,
    `     npx dsc up ${s.stateDir}/changes/mine --stack local --config-file ${s.configFile} --payer-key-file ${s.devKeysDir}/deployer.key`,
    `  3. cause a breach and watch the pause: kubectl --kubeconfig ${s.stateDir}/kube/alpha/kubeconfig -n dsc-replication-alpha label statefulset/replication backdoor=1`,
    `     then: npx dsc status   (PAUSED by the Guardian), and the status page's timeline`,
  ];
  return lines.join("\n");
}
