// doctor's SSH file checks: SSH_KEY_PATH (exists, readable, private to its owner as ssh demands, parses, usable
// without a prompt) and the controller's known_hosts in DATA_DIR (readable, writable by nobody else).
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Config } from '../config/config';
import { errorMessage } from '../log';
import { runCommand } from '../ssh/run-remote';
import { type CheckLine, fail, ok, warn } from './doctor-line';

/** Where the SSH collector keeps host keys (ssh/poller.ts): DATA_DIR/known_hosts. */
export function knownHostsPath(dataDir: string): string {
  return join(resolve(dataDir), 'known_hosts');
}

const mode = (m: number) => (m & 0o777).toString(8).padStart(4, '0');

/** `SHA256:...` of an OpenSSH public key line (`type base64 comment`), as ssh-keygen -l prints it. */
export function publicKeyFingerprint(line: string): { type: string; fingerprint: string } | null {
  const [type, blob] = line.trim().split(/\s+/);
  if (type === undefined || blob === undefined || !/^[A-Za-z0-9+/]+=*$/.test(blob)) return null;
  const digest = createHash('sha256').update(Buffer.from(blob, 'base64')).digest('base64').replace(/=+$/, '');
  return { type, fingerprint: `SHA256:${digest}` };
}

/**
 * The key line. `needed`: hosts were named with --ssh, so a missing key fails; otherwise it is a warning (the SSH
 * fallback then relies on ssh's own keys and agent, as the collector does).
 */
export async function checkSshKey(config: Config, needed: boolean): Promise<CheckLine> {
  const path = config.ssh.keyPath;
  const make = `ssh-keygen -t ed25519 -N '' -f ${path}, then add ${path}.pub to ~/.ssh/authorized_keys on the GPU hosts (or set SSH_KEY_PATH to your key)`;
  let st;
  try {
    st = statSync(path);
  } catch {
    const text = `SSH_KEY_PATH ${path} does not exist`;
    return needed ? fail('SSH key', text, make) : warn('SSH key', `${text}; the SSH fallback relies on ssh's own keys and agent`, make);
  }
  if (!st.isFile()) return fail('SSH key', `SSH_KEY_PATH ${path} is not a file`, make);
  try {
    readFileSync(path);
  } catch (err) {
    return fail('SSH key', `cannot read ${path}: ${errorMessage(err)}`, `run doctor (and the controller) as the user who owns ${path}`);
  }
  if ((st.mode & 0o077) !== 0)
    return fail('SSH key', `${path} is readable by other users (mode ${mode(st.mode)}): ssh refuses such a key`, `chmod 600 ${path}`);
  const run = await runCommand('ssh-keygen', ['-y', '-P', '', '-f', path], { timeoutMs: 10_000 });
  if (run.spawnError !== null)
    return warn('SSH key', `${path} not parsed: no ssh-keygen (${run.spawnError})`, 'install the OpenSSH client (apt install openssh-client)');
  if (run.exitCode !== 0) {
    if (/passphrase/i.test(run.stderr))
      return warn(
        'SSH key',
        `${path} has a passphrase: ssh in BatchMode can use it only through ssh-agent`,
        `ssh-add ${path} in the controller's session, or use a key without a passphrase`,
      );
    return fail('SSH key', `${path} is not a private key ssh can read (${run.stderr.trim().split('\n').pop() ?? 'ssh-keygen failed'})`, make);
  }
  const fp = publicKeyFingerprint(run.stdout);
  return ok('SSH key', `${path} (${fp === null ? 'parsed' : `${fp.type} ${fp.fingerprint}`}, mode ${mode(st.mode)})`);
}

export function checkKnownHosts(config: Config): CheckLine {
  const path = knownHostsPath(config.dataDir);
  let st;
  try {
    st = statSync(path);
  } catch {
    return ok('known_hosts', `${path}: none yet (ssh adds each host's key at first contact and refuses a changed one)`);
  }
  if (!st.isFile()) return fail('known_hosts', `${path} is not a file`, `move it away; ssh makes a new one`);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    return fail('known_hosts', `cannot read ${path}: ${errorMessage(err)}`, `run doctor (and the controller) as the user who owns DATA_DIR`);
  }
  if ((st.mode & 0o022) !== 0)
    return fail('known_hosts', `${path} is writable by other users (mode ${mode(st.mode)}): they could plant a host key`, `chmod 644 ${path}`);
  const entries = text.split('\n').filter((l) => l.trim() !== '' && !l.trimStart().startsWith('#')).length;
  return ok('known_hosts', `${path} (${entries} host key${entries === 1 ? '' : 's'})`);
}
