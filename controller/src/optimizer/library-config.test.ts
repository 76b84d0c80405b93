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
