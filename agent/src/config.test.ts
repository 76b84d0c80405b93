import { describe, expect, it } from 'vitest';
import { ConfigError, parseAgentConfig } from './config';

const base = { CONTROLLER_URL: 'wss://ctl.example:8080', AGENT_TOKEN: 'tok-abcdef-123' };

function parse(env: Record<string, string | undefined>, argv: string[] = []) {
  const c = parseAgentConfig(argv, env);
  if (c === 'help') throw new Error('unexpected help');
  return c;
}

function errorOf(env: Record<string, string | undefined>, argv: string[] = []): ConfigError {
  try {
    parseAgentConfig(argv, env);
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error('expected a ConfigError');
}

describe('parseAgentConfig', () => {
  it('applies the documented defaults', () => {
    const c = parse(base);
    expect(c).toMatchObject({
      controllerUrl: 'wss://ctl.example:8080/agent',
      token: 'tok-abcdef-123',
      instanceId: null,
      vastContainerId: null,
      nvidiaSmi: 'nvidia-smi',
      sampleIntervalMs: 1000,
      reportIntervalMs: 10_000,
      checkpointCmd: null,
      checkpointTimeoutMs: 300_000,
      bufferMaxBatches: 8640,
      logLevel: 'info',
      terminalsDir: '/dev/pts',
      jupyterRuntimeDirs: ['/root/.local/share/jupyter/runtime'],
      homesDir: '/home',
    });
  });

  it('finds the Jupyter runtime directories where jupyter_core puts them', () => {
    const c = parse({
      ...base,
      TERMINALS_DIR: '/host/dev/pts',
      JUPYTER_RUNTIME_DIR: '/run/jupyter',
      JUPYTER_DATA_DIR: '/data/jupyter',
      XDG_DATA_HOME: '/xdg',
      HOME: '/home/alice',
    });
    expect(c.terminalsDir).toBe('/host/dev/pts');
    expect(c.jupyterRuntimeDirs).toEqual([
      '/run/jupyter',
      '/data/jupyter/runtime',
      '/xdg/jupyter/runtime',
      '/home/alice/.local/share/jupyter/runtime',
      '/root/.local/share/jupyter/runtime',
    ]);
  });

  it('reads every variable', () => {
    const c = parse({
      ...base,
      NVIDIA_SMI: '/opt/bin/nvidia-smi',
      SAMPLE_INTERVAL_MS: '500',
      REPORT_INTERVAL_MS: '5000',
      CHECKPOINT_CMD: 'systemctl kill -s USR1 trainer',
      CHECKPOINT_TIMEOUT_MS: '60000',
      INSTANCE_ID: 'vast:123456',
      CONTAINER_ID: '987',
      BUFFER_MAX_BATCHES: '10',
      LOG_LEVEL: 'DEBUG',
    });
    expect(c).toMatchObject({
      nvidiaSmi: '/opt/bin/nvidia-smi',
      sampleIntervalMs: 500,
      reportIntervalMs: 5000,
      checkpointCmd: 'systemctl kill -s USR1 trainer',
      checkpointTimeoutMs: 60_000,
      instanceId: 'vast:123456',
      vastContainerId: '987',
      bufferMaxBatches: 10,
      logLevel: 'debug',
    });
  });

  it('lets flags override the environment, in both --flag value and --flag=value forms', () => {
    const c = parse(base, ['--controller', 'wss://other/ingest', '--token=flag-token', '--instance-id', 'gcp:us-east1-b/vm1']);
    expect(c.controllerUrl).toBe('wss://other/ingest');
    expect(c.token).toBe('flag-token');
    expect(c.instanceId).toBe('gcp:us-east1-b/vm1');
  });

  it('keeps an explicit path and adds /agent to a bare host', () => {
    expect(parse({ ...base, CONTROLLER_URL: 'wss://h/' }).controllerUrl).toBe('wss://h/agent');
    expect(parse({ ...base, CONTROLLER_URL: 'ws://127.0.0.1:1/x/agent' }).controllerUrl).toBe('ws://127.0.0.1:1/x/agent');
  });

  it('takes several comma-separated controller URLs (replicas), each normalized and held to the same rules', () => {
    const c = parse({ ...base, CONTROLLER_URL: ' wss://a.example , wss://b.example:8443/x/agent,,wss://a.example/agent ' });
    expect(c.controllerUrls).toEqual(['wss://a.example/agent', 'wss://b.example:8443/x/agent']);
    expect(c.controllerUrl).toBe('wss://a.example/agent');
    expect(parse(base).controllerUrls).toEqual(['wss://ctl.example:8080/agent']);
    // One plain or unpinnable replica is refused like a single one would be.
    expect(errorOf({ ...base, CONTROLLER_URL: 'wss://a.example,ws://b.example' }).message).toContain('refusing plain ws://');
    const pin = `sha256//${'A'.repeat(43)}=`;
    expect(parse({ ...base, CONTROLLER_URL: 'wss://a,wss://b', CONTROLLER_PIN: pin }).controllerPin).toBe(pin);
    expect(errorOf({ ...base, CONTROLLER_URL: 'wss://a,ws://127.0.0.1:1', CONTROLLER_PIN: pin }).variable).toBe('CONTROLLER_PIN');
    expect(errorOf({ ...base, CONTROLLER_URL: ' , ' }).variable).toBe('CONTROLLER_URL');
  });

  it('returns help for -h and --help', () => {
    expect(parseAgentConfig(['--help'], {})).toBe('help');
    expect(parseAgentConfig(['-h'], {})).toBe('help');
  });

  it('names the variable at fault', () => {
    expect(errorOf({ AGENT_TOKEN: 'x' }).variable).toBe('CONTROLLER_URL');
    expect(errorOf({ CONTROLLER_URL: 'wss://h' }).variable).toBe('AGENT_TOKEN');
    expect(errorOf({ ...base, CONTROLLER_URL: 'http://h' }).variable).toBe('CONTROLLER_URL');
    expect(errorOf({ ...base, CONTROLLER_URL: 'not a url' }).variable).toBe('CONTROLLER_URL');
    expect(errorOf({ ...base, CONTROLLER_URL: 'ws://u:p@h' }).variable).toBe('CONTROLLER_URL');
    expect(errorOf(base, ['--controller', 'ftp://h']).variable).toBe('--controller');
    expect(errorOf({ ...base, SAMPLE_INTERVAL_MS: '1s' }).variable).toBe('SAMPLE_INTERVAL_MS');
    expect(errorOf({ ...base, SAMPLE_INTERVAL_MS: '-5' }).variable).toBe('SAMPLE_INTERVAL_MS');
    expect(errorOf({ ...base, SAMPLE_INTERVAL_MS: '10' }).variable).toBe('SAMPLE_INTERVAL_MS');
    expect(errorOf({ ...base, REPORT_INTERVAL_MS: '1.5' }).variable).toBe('REPORT_INTERVAL_MS');
    expect(errorOf({ ...base, SAMPLE_INTERVAL_MS: '5000', REPORT_INTERVAL_MS: '1000' }).variable).toBe('REPORT_INTERVAL_MS');
    expect(errorOf({ ...base, CHECKPOINT_TIMEOUT_MS: '0' }).variable).toBe('CHECKPOINT_TIMEOUT_MS');
    expect(errorOf({ ...base, BUFFER_MAX_BATCHES: 'lots' }).variable).toBe('BUFFER_MAX_BATCHES');
    expect(errorOf({ ...base, LOG_LEVEL: 'loud' }).variable).toBe('LOG_LEVEL');
    expect(errorOf(base, ['--tokn', 'x']).variable).toBe('--tokn');
    expect(errorOf(base, ['--token']).variable).toBe('--token');
  });

  it('never echoes the token in an error', () => {
    const secret = 'has space secret-value';
    const e = errorOf({ ...base, AGENT_TOKEN: secret });
    expect(e.variable).toBe('AGENT_TOKEN');
    expect(e.message).not.toContain('secret-value');
    const f = errorOf(base, ['--token', 'bad\ntoken-secret']);
    expect(f.message).not.toContain('token-secret');
  });

  it('treats blank values as unset and ignores a non-numeric CONTAINER_ID', () => {
    const c = parse({ ...base, NVIDIA_SMI: '  ', CHECKPOINT_CMD: '', INSTANCE_ID: '', CONTAINER_ID: 'abc123' });
    expect(c.nvidiaSmi).toBe('nvidia-smi');
    expect(c.checkpointCmd).toBeNull();
    expect(c.instanceId).toBeNull();
    expect(c.vastContainerId).toBeNull();
  });

  it('keeps AGENT_TOKEN out of the environment given to children', () => {
    const c = parse({ ...base, PATH: '/usr/bin', HOME: '/root' });
    expect(c.childEnv).toEqual({ CONTROLLER_URL: base.CONTROLLER_URL, PATH: '/usr/bin', HOME: '/root' });
  });

  it('enrols with JOIN_TOKEN when no AGENT_TOKEN is given, and keeps it from children', () => {
    const c = parse({ CONTROLLER_URL: base.CONTROLLER_URL, JOIN_TOKEN: 'coj_join', AGENT_STATE_DIR: '/var/lib/co', PATH: '/usr/bin' });
    expect(c).toMatchObject({ token: null, joinToken: 'coj_join', stateDir: '/var/lib/co' });
    expect(c.childEnv).toEqual({ CONTROLLER_URL: base.CONTROLLER_URL, AGENT_STATE_DIR: '/var/lib/co', PATH: '/usr/bin' });
    expect(parse({ CONTROLLER_URL: base.CONTROLLER_URL, JOIN_TOKEN: 'j', STATE_DIRECTORY: '/var/lib/x:/var/lib/y' }).stateDir).toBe('/var/lib/x');
    expect(parse({ CONTROLLER_URL: base.CONTROLLER_URL, JOIN_TOKEN: 'j', HOME: '/home/u' }).stateDir).toBe('/home/u/.cost-optimizer-agent');
    expect(errorOf({ CONTROLLER_URL: base.CONTROLLER_URL }).message).toMatch(/JOIN_TOKEN/);
    // After enrolment the installer removes the spent join token: the state dir alone is enough to start.
    const kept = parse({ CONTROLLER_URL: base.CONTROLLER_URL, AGENT_STATE_DIR: '/var/lib/co' });
    expect([kept.token, kept.joinToken, kept.stateDir]).toEqual([null, null, '/var/lib/co']);
    const bad = errorOf({ CONTROLLER_URL: base.CONTROLLER_URL, JOIN_TOKEN: 'a b-secret' });
    expect(bad.variable).toBe('JOIN_TOKEN');
    expect(bad.message).not.toContain('b-secret');
  });

  it('reads the Vast.ai instance id from VAST_CONTAINERLABEL (C.<id>) before CONTAINER_ID', () => {
    expect(parse({ ...base, VAST_CONTAINERLABEL: 'C.28001234', CONTAINER_ID: '5' }).vastContainerId).toBe('28001234');
    expect(parse({ ...base, VAST_CONTAINERLABEL: 'garbage', CONTAINER_ID: '5' }).vastContainerId).toBe('5');
  });

  it('refuses ws:// to a non-loopback host unless ALLOW_PLAINTEXT=true, and allows it to loopback', () => {
    const e = errorOf({ ...base, CONTROLLER_URL: 'ws://10.0.0.5:8080' });
    expect(e.variable).toBe('CONTROLLER_URL');
    expect(e.message).toMatch(/refusing plain ws:\/\/ to 10\.0\.0\.5:8080.*ALLOW_PLAINTEXT=true/);
    expect(parse({ ...base, CONTROLLER_URL: 'ws://10.0.0.5:8080', ALLOW_PLAINTEXT: 'true' }).controllerUrl).toBe('ws://10.0.0.5:8080/agent');
    for (const h of ['127.0.0.1', 'localhost', '[::1]', '127.9.8.7'])
      expect(parse({ ...base, CONTROLLER_URL: `ws://${h}:1` }).controllerUrl).toContain('ws://');
    expect(errorOf({ ...base, ALLOW_PLAINTEXT: 'maybe' }).variable).toBe('ALLOW_PLAINTEXT');
  });

  it('takes CONTROLLER_PIN in curl format only, and only with wss://', () => {
    const pin = `sha256//${'A'.repeat(43)}=`;
    expect(parse({ ...base, CONTROLLER_PIN: pin }).controllerPin).toBe(pin);
    expect(parse(base).controllerPin).toBeNull();
    expect(errorOf({ ...base, CONTROLLER_PIN: 'sha256//short' }).variable).toBe('CONTROLLER_PIN');
    expect(errorOf({ ...base, CONTROLLER_PIN: 'A'.repeat(44) }).variable).toBe('CONTROLLER_PIN');
    expect(errorOf({ ...base, CONTROLLER_URL: 'ws://127.0.0.1:1', CONTROLLER_PIN: pin }).message).toMatch(/wss:\/\//);
  });
});
