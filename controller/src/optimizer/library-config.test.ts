// The library's partial config knows every field a whole Config has, so no setting is out of a library user's reach.
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../config/config';
import { configFromPartial } from './library-config';

describe('configFromPartial', () => {
  it('accepts every field parseConfig produces, each on its own', () => {
    const whole = parseConfig({ TLS_CERT_FILE: '/c.pem', TLS_KEY_FILE: '/k.pem' });
    const refused: string[] = [];
    for (const [field, value] of Object.entries(whole)) {
      try {
        configFromPartial({ [field]: value });
      } catch (err) {
        if (/not a configuration field/.test(String(err))) refused.push(field);
      }
    }
    expect(refused).toEqual([]);
  });

  it('recomputes from the given fields exactly as from the environment', () => {
    expect(configFromPartial({ pauseWarningMinutes: 0, interactiveActivity: false })).toMatchObject({ pauseWarningMinutes: 0, interactiveActivity: false });
    expect(
      configFromPartial({
        limits: {
          minFreeDiskMb: 0,
          maxAgentConnections: 5,
          agentBatchesPerSecond: 1,
          agentBatchBurst: 2,
          authFailuresPerMinute: 3,
          agentSamplesPerHour: 4,
          maxGpusPerSample: 5,
          maxUnauthenticatedSockets: 9,
          httpHeadersTimeoutSec: 6,
          httpIdleTimeoutSec: 7,
          tlsHandshakeTimeoutSec: 8,
        },
      }).limits,
    ).toEqual({
      minFreeDiskMb: 0,
      maxAgentConnections: 5,
      agentBatchesPerSecond: 1,
      agentBatchBurst: 2,
      authFailuresPerMinute: 3,
      agentSamplesPerHour: 4,
      maxGpusPerSample: 5,
      maxUnauthenticatedSockets: 9,
      httpHeadersTimeoutSec: 6,
      httpIdleTimeoutSec: 7,
      tlsHandshakeTimeoutSec: 8,
    });
    expect(() => configFromPartial({ pauseWarningMinutes: -1 })).toThrow(/PAUSE_WARNING_MINUTES/);
  });
});

describe("the seed's OptimizerConfig names", () => {
  it("accepts the seed's example config line for line", () => {
    const config = configFromPartial({
      pauseThresholdGpu: 10,
      deleteThresholdHours: 24,
      checkIntervalSeconds: 60,
      minInstanceAgeHours: 1,
      protectedInstances: ['prod-inference-1'],
    });
    expect(config).toMatchObject({ pauseThresholdGpu: 10, deleteThresholdHours: 24, checkIntervalSec: 60, minInstanceAgeHours: 1 });
    expect(config.protectedInstances).toEqual(['prod-inference-1']);
    expect(configFromPartial({ checkIntervalSeconds: 15 }).checkIntervalSec).toBe(15);
  });

  it('takes both spellings when they agree and refuses them when they differ', () => {
    expect(configFromPartial({ checkIntervalSeconds: 30, checkIntervalSec: 30 }).checkIntervalSec).toBe(30);
    expect(() => configFromPartial({ checkIntervalSeconds: 30, checkIntervalSec: 60 })).toThrow(/checkIntervalSeconds.*checkIntervalSec.*disagree/);
  });

  it('validates the seed spelling as the environment would', () => {
    expect(() => configFromPartial({ checkIntervalSeconds: 0 })).toThrow(/CHECK_INTERVAL/);
  });
});
