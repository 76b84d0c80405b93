// doctor's `--ssh ID` check: `ssh -o ConnectTimeout=5 ... nvidia-smi` to one instance exactly as the SSH collector
// polls it (the same argv builder, BatchMode, SSH_KEY_PATH, DATA_DIR/known_hosts, the same reading of the outcome).
import { existsSync } from 'node:fs';
import type { Config } from '../config/config';
import type { ProviderInstance } from '../domain/instance';
import { classify } from '../ssh/classify';
import { runCommand } from '../ssh/run-remote';
import { buildSshArgs, hostKeyAlias, resolveTarget } from '../ssh/ssh-args';
import type { SshFailureCode } from '../ssh/ssh-result';
import { type CheckLine, fail, ok } from './doctor-line';
import { knownHostsPath } from './doctor-ssh-files';

const CONNECT_TIMEOUT_SEC = 5;

function fixFor(code: SshFailureCode, config: Config, user: string, instanceId: string): string {
  const kh = knownHostsPath(config.dataDir);
  switch (code) {
    case 'auth':
      return `add ${config.ssh.keyPath}.pub to ~${user}/.ssh/authorized_keys on the host (SSH_USER=${config.ssh.user}, SSH_KEY_PATH)`;
    case 'hostkey':
      return `if the host was rebuilt, forget its old key: ssh-keygen -R ${hostKeyAlias(instanceId)} -f ${kh}; otherwise someone is in between: do not`;
    case 'unreachable':
      return `check the address and port the provider lists, that sshd runs on the host, and the firewall; SSH_PORT applies when the provider names no port`;
    case 'timeout':
      return 'the host or a firewall drops the connection: check that the instance runs and its SSH port is open to this machine';
    case 'driver':
      return 'nvidia-smi cannot reach the driver: reboot the host or reinstall the NVIDIA driver';
    case 'missing':
      return 'install the NVIDIA driver utilities on the host, or put nvidia-smi on the PATH of non-interactive shells';
    default:
      return 'run nvidia-smi on the host by hand and compare';
  }
}

/** Finds the instance's SSH endpoint among the providers' lists (then the store's last inventory) and polls it once. */
export async function checkSshHost(config: Config, instanceId: string, known: readonly ProviderInstance[]): Promise<CheckLine> {
  const subject = `SSH ${instanceId}`;
  const inst = known.find((i) => i.id === instanceId);
  if (inst === undefined)
    return fail(
      subject,
      "no such instance in the providers' lists",
      'give the id as `cost-optimizer status` shows it (vast:123456, tensordock:<uuid>, gcp:<zone>/<name>)',
    );
  if (inst.ssh === null || inst.ssh.host.trim() === '')
    return fail(subject, `the provider lists no SSH address for it (${inst.state})`, 'start it, or enable SSH on it at the provider');
  const port = Number.isInteger(inst.ssh.port) && inst.ssh.port >= 1 && inst.ssh.port <= 65535 ? inst.ssh.port : config.ssh.port;
  const target = resolveTarget({ instanceId, host: inst.ssh.host, port, user: config.ssh.user }, config.ssh.user);
  if ('error' in target) return fail(subject, target.error, 'check the address the provider lists for it');
  const where = `${target.user}@${target.host}:${target.port}`;
  const args = buildSshArgs(target, {
    connectTimeoutSec: CONNECT_TIMEOUT_SEC,
    knownHostsFile: knownHostsPath(config.dataDir),
    keyFile: existsSync(config.ssh.keyPath) ? config.ssh.keyPath : null,
    control: null,
    serverAliveIntervalSec: 10,
    serverAliveCountMax: 3,
  });
  const timeoutMs = Math.max(config.ssh.timeoutSec, CONNECT_TIMEOUT_SEC + 1) * 1000;
  const run = await runCommand('ssh', args, { timeoutMs });
  if (run.spawnError !== null) return fail(subject, `cannot run the ssh client: ${run.spawnError}`, 'install the OpenSSH client (apt install openssh-client)');
  const c = classify(run, timeoutMs);
  if (!c.ok) return fail(subject, `${where}: ${c.code}: ${c.message}`, fixFor(c.code, config, target.user, instanceId));
  return ok(subject, `${where}: nvidia-smi answered in ${run.durationMs} ms, ${c.gpus.length} GPU${c.gpus.length === 1 ? '' : 's'}`);
}
