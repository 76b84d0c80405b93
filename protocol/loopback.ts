// What "loopback" means everywhere (request guard, controller, agent, CLI): the literal 127.0.0.0/8, ::1 and the name
// `localhost`, nothing else. A name that merely starts with "127." (127.rebind.attacker.example) is a DNS name anyone
// can point anywhere, so it is never loopback.

const DOTTED_127 = /^127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** True for 127.x.y.z (each part 0-255), ::1 (with or without brackets, any spelling Node normalises to it) and localhost. */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname
    .trim()
    .replace(/^\[|\]$/g, '')
    .toLowerCase();
  if (h === 'localhost' || h === '::1' || h === '0:0:0:0:0:0:0:1') return true;
  const m = DOTTED_127.exec(h);
  return m !== null && m.slice(1).every((p) => Number(p) <= 255);
}
