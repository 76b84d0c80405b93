// `cost-optimizer demo`: the controller with provider fakes and simulated agents on compressed timings, so a newcomer
// sees within about a minute an idle instance paused, a busy one kept, and the savings move.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fakeProvidersEnv } from '../fake-world/fake-providers-env';
import { startGcpFake, gcpInstance, type GcpFake } from '../fake-world/gcp-fake';
import { startTensorDockV2Fake, tdV2Instance, type TdV2Fake } from '../fake-world/tensordock-fake-v2';
import { startVastFake, vastInstance, type VastFake } from '../fake-world/vast-fake';
import { generateKeyPair, fakeBinDir, startSshd, SSHD_BIN, type Sshd } from '../fake-world/sshd';
import { parseConfig } from '../config/config';
import { findPackageRoot } from '../http/install-routes';
import { errorMessage, type Logger } from '../log';
import { createProvidersFromConfig } from '../providers';
import { startController, type RunningController } from '../compose/start-controller';
import { DEMO_FLEET, demoGpuState, type DemoHost } from './demo-fleet';

export interface DemoOptions {
  port: number;
  dataDir?: string;
  logger: Logger;
  /** Where the banner goes. */
  print: (text: string) => void;
}

export interface RunningDemo {
  url: string;
  server: RunningController;
  /** Instance id per fleet key. */
  ids: Record<string, string>;
  stop(): Promise<void>;
}

export async function runDemo(o: DemoOptions): Promise<RunningDemo> {
  const root = findPackageRoot();
  const agentJs = join(root, 'dist', 'agent.js');
  const fakeSmi = join(root, 'controller', 'src', 'fake-world', 'nvidia-smi');
  if (!existsSync(agentJs)) throw new Error(`${agentJs} is missing: run "npm run build" first (npm run demo does)`);
  const dataDir = o.dataDir ?? mkdtempSync(join(tmpdir(), 'cost-optimizer-demo-'));
  mkdirSync(dataDir, { recursive: true });
  const started = Date.now();
  const stateFile = (h: DemoHost) => join(dataDir, `gpu-${h.key}.json`);
  const writeStates = () => {
    for (const h of DEMO_FLEET) writeFileSync(stateFile(h), JSON.stringify(demoGpuState(h, Math.floor((Date.now() - started) / 1000))));
  };
  writeStates();

  const cleanups: (() => Promise<void> | void)[] = [];
  const stop = async () => {
    for (const c of cleanups.reverse()) await Promise.resolve(c()).catch((err: unknown) => o.logger.warn(`demo cleanup: ${errorMessage(err)}`));
  };
  try {
    // Provider fakes speaking the real wire formats; created 2 h ago so the minimum age does not hide the delete rule.
    const created = Math.floor(started / 1000) - 7200;
    const noSsh = { ssh_host: null, ssh_port: null, public_ipaddr: null, ports: {} };
    const vastHosts = DEMO_FLEET.filter((h) => h.provider === 'vast');
    const vast: VastFake = await startVastFake({
      transitionMs: 2000,
      instances: vastHosts.map((h, i) =>
        vastInstance({ id: 9001 + i, label: h.label, gpuName: h.gpuName, numGpus: h.numGpus, dphTotal: h.pricePerHour, startDate: created, raw: noSsh }),
      ),
    });
    cleanups.push(() => vast.close());
    const tdHosts = DEMO_FLEET.filter((h) => h.provider === 'tensordock');
    const td: TdV2Fake = await startTensorDockV2Fake({
      transitionMs: 2000,
      instances: tdHosts.map((h) =>
        tdV2Instance({ name: h.label, gpuName: h.gpuName, gpuCount: h.numGpus, rateHourly: h.pricePerHour, raw: { ipAddress: null, portForwards: [] } }),
      ),
    });
    cleanups.push(() => td.close());

    // One host without an agent, read over SSH by a throwaway sshd on loopback when this machine has one.
    const sshHost = DEMO_FLEET.find((h) => h.viaSsh)!;
    let sshd: Sshd | null = null;
    let sshKey: string | null = null;
    if (existsSync(SSHD_BIN)) {
      try {
        const keys = await generateKeyPair(join(dataDir, 'demo_key'));
        sshKey = keys.privateKey;
        sshd = await startSshd({
          dir: join(dataDir, 'sshd'),
          authorizedKeys: [keys.publicKey],
          binDir: fakeBinDir(join(dataDir, 'sshd'), fakeSmi),
          env: { FAKE_NVIDIA_SMI_STATE: stateFile(sshHost) },
        });
        const s = sshd;
        cleanups.push(() => s.stop());
      } catch (err) {
        o.logger.warn(`demo: no SSH host (${errorMessage(err)}); the ${sshHost.label} instance stays without metrics and is never paused`);
      }
    }
    const gcp: GcpFake = await startGcpFake({
      transitionMs: 2000,
      instances: [
        gcpInstance({ name: sshHost.label, machineType: 'g2-standard-4', natIP: '127.0.0.1', creationTimestamp: new Date(created * 1000).toISOString() }),
      ],
    });
    cleanups.push(() => gcp.close());

    const config = parseConfig({
      DATA_DIR: dataDir,
      PORT: String(o.port),
      PAUSE_WINDOW_MINUTES: '0.5',
      MIN_SAMPLES: '5',
      MAX_GAP_SECONDS: '10',
      CHECK_INTERVAL: '5',
      DELETE_THRESHOLD_HOURS: '0.1',
      DELETE_WARNING_HOURS: '0.05',
      MIN_INSTANCE_AGE_HOURS: '0',
      AGENT_SILENT_SECONDS: '10',
      CHECKPOINT_TIMEOUT_SECONDS: '10',
      ...fakeProvidersEnv({ vast, td, gcp }),
      SSH_USER: sshd?.user ?? 'root',
      SSH_PORT: String(sshd?.port ?? 22),
      SSH_KEY_PATH: sshKey ?? join(dataDir, 'no-key'),
      SSH_TIMEOUT_SECONDS: '5',
    });
    const providers = await createProvidersFromConfig(config, o.logger, { minIntervalMs: 0, timeoutMs: 5000, retry: { maxRetries: 1, baseDelayMs: 100 } });
    const server = await startController(config, { logger: o.logger, providers, refreshSeconds: 3, executor: { verifyAttempts: 15, verifyDelayMs: 1000 } });
    cleanups.push(() => server.close());

    // Agents: real agent processes (dist/agent.js) reading the fake nvidia-smi, one per host that has one.
    const ids: Record<string, string> = {};
    vastHosts.forEach((h, i) => (ids[h.key] = `vast:${9001 + i}`));
    for (const h of tdHosts) ids[h.key] = `tensordock:${[...td.instances.values()].find((x) => x['name'] === h.label)!.id}`;
    ids[sshHost.key] = `gcp:us-central1-a/${sshHost.label}`;
    const agents = new Map<string, ChildProcess>();
    // Two teams (docs/owners.md): each enrols its hosts with its own join token, so their spend shows per team in
    // `report --by team`, GET /api/report?by=team and /metrics; vision has a budget its fleet passes within minutes.
    const demoNow = Date.now();
    server.store.directory.setTeam({ name: 'vision', webhook: null, monthlyBudget: 5, idleMinutes: null, noDelete: false }, 'api', demoNow);
    server.store.directory.setTeam({ name: 'nlp', webhook: null, monthlyBudget: 500, idleMinutes: null, noDelete: false }, 'api', demoNow);
    const teamJoin = { vision: server.store.createJoinToken(demoNow, null, 'vision').id, nlp: server.store.createJoinToken(demoNow, null, 'nlp').id };
    for (const h of DEMO_FLEET.filter((x) => !x.viaSsh)) {
      const token = h.team ? server.store.grantEnrolment(ids[h.key]!, Date.now(), teamJoin[h.team]) : server.store.createToken(ids[h.key]!, Date.now());
      const child = spawn(process.execPath, [agentJs], {
        env: {
          // The fake nvidia-smi is a node script: its shebang needs this node on the PATH.
          PATH: `${dirname(process.execPath)}:/usr/local/bin:/usr/bin:/bin`,
          CONTROLLER_URL: `ws://127.0.0.1:${server.port}/agent`,
          AGENT_TOKEN: token,
          NVIDIA_SMI: fakeSmi,
          FAKE_NVIDIA_SMI_STATE: stateFile(h),
          SAMPLE_INTERVAL_MS: '1000',
          REPORT_INTERVAL_MS: '2000',
          INSTANCE_ID: ids[h.key]!,
          // Simulated hosts: the terminals of the machine running the demo are not theirs (no terminal, no evidence).
          TERMINALS_DIR: join(dataDir, 'no-terminals'),
          // Nor is its CPU, disk and network load, or its inhibitions: unread host activity is no evidence.
          HOST_PROC: join(dataDir, 'no-host-proc'),
          HOST_SYS: join(dataDir, 'no-host-sys'),
          AGENT_INHIBIT_DIR: join(dataDir, `inhibit-${h.key}`),
          LOG_LEVEL: 'warn',
        },
        stdio: ['ignore', 'ignore', 'inherit'],
      });
      agents.set(h.key, child);
    }
    cleanups.push(() => {
      for (const c of agents.values()) c.kill('SIGTERM');
    });

    // Every second: move the GPUs, and stop the agent of a host the optimizer paused or deleted (its machine is off).
    const ticker = setInterval(() => {
      writeStates();
      for (const [key, child] of agents) {
        const rec = server.store.getInstance(ids[key]!);
        if (rec && (rec.state === 'stopped' || rec.state === 'deleted') && child.exitCode === null) {
          o.logger.info(`demo: ${ids[key]} is ${rec.state}; its host is off, so its agent stops too`);
          child.kill('SIGTERM');
          agents.delete(key);
        }
      }
    }, 1000);
    cleanups.push(() => clearInterval(ticker));

    const url = `http://127.0.0.1:${server.port}/`;
    o.print(
      [
        '',
        `Cost Optimizer demo: dashboard at ${url}`,
        `  login: any user name, the password is in ${join(dataDir, 'admin-token')} (the API always wants it)`,
        `  fleet: ${DEMO_FLEET.map((h) => `${ids[h.key]} (${h.label}: ${h.behaviour})`).join(', ')}`,
        `  teams: vision (${DEMO_FLEET.filter((h) => h.team === 'vision')
          .map((h) => h.label)
          .join(', ')}; budget $5/month), nlp (${DEMO_FLEET.filter((h) => h.team === 'nlp')
          .map((h) => h.label)
          .join(', ')}; budget $500/month): cost-optimizer report --by team, or GET /api/report?by=team`,
        `  timings: pause after 30 s idle, delete warning after 3 min inactive, delete after 6 min; a cycle every 5 s`,
        `  watch: "${DEMO_FLEET[0]!.label}" is paused within about a minute; the busy, bursty, MIG and protected ones are kept;`,
        `         ${sshd ? `"${sshHost.label}" has no agent and is read over SSH, then paused` : `"${sshHost.label}" has no agent and no sshd here: no data, so it is never paused`}`,
        `  try:   DATA_DIR=${dataDir} cost-optimizer status --url http://127.0.0.1:${server.port}   |   cost-optimizer explain ${ids['trainer']} --url http://127.0.0.1:${server.port}`,
        `  data:  ${dataDir}   (Ctrl-C to stop)`,
        '',
      ].join('\n'),
    );
    return { url, server, ids, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
