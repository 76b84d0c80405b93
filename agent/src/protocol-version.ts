// Which protocol version the agent speaks on a connection (protocol/version.ts): its hello offers the highest it
// knows; a controller that refuses that hello (an older one: `invalid hello: v: ...`) gets the next lower version on
// the next try; the welcome's version then decides what every batch carries.
import { type Batch, CloseCode, HOST_ACTIVITY_VERSION, MIN_PROTOCOL_VERSION } from '../../protocol';

/** The version to offer after the controller closed a connection still waiting for its welcome. */
export function versionAfterHelloRefused(offered: number, code: number): number {
  if (code !== CloseCode.BadFrame) return offered;
  return Math.max(MIN_PROTOCOL_VERSION, offered - 1);
}

/** The batch as the connection's version knows it: fields of later versions left out, `v` set. */
export function batchForVersion(b: Batch, version: number): Batch {
  if (version >= HOST_ACTIVITY_VERSION) return b.v === version ? b : { ...b, v: version };
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  const { host, inhibitions, ...older } = b;
  return { ...older, v: version };
}
