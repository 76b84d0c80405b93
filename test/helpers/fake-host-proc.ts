// A stand-in for the host's /proc and /sys (HOST_PROC, HOST_SYS) that a test rewrites: /proc/net/dev counters moved
// by a given rate on a given interface, quiet /proc/stat and /proc/diskstats. Real files read by the real agent.
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface FakeHostProc {
  proc: string;
  sys: string;
  /** Starts moving `iface`'s received bytes by `mbPerSecond` (10^6 bytes), rewriting net/dev every 250 ms. */
  transfer(iface: string, mbPerSecond: number): void;
  /** Stops the transfer: the counters stand still. */
  stop(): void;
  /** Makes /proc/<pid> of the real host visible here (for an inhibitor's start time). */
  showPid(pid: number): void;
}

function netDev(counters: Record<string, number>): string {
  const head =
    'Inter-|   Receive                                                |  Transmit\n face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed\n';
  return (
    head +
    Object.entries(counters)
      .map(([name, rx]) => `${name.padStart(6)}: ${Math.floor(rx)} 100 0 0 0 0 0 0 ${Math.floor(rx / 50)} 80 0 0 0 0 0 0`)
      .join('\n') +
    '\n'
  );
}

export function fakeHostProc(dir: string): FakeHostProc {
  const proc = join(dir, 'proc');
  const sys = join(dir, 'sys');
  mkdirSync(join(proc, 'net'), { recursive: true });
  mkdirSync(join(sys, 'block', 'vda'), { recursive: true });
  const counters: Record<string, number> = { lo: 1_000_000, eth0: 5_000_000 };
  const write = () => {
    try {
      writeFileSync(join(proc, 'net', 'dev'), netDev(counters));
    } catch {
      // The test's directory is gone (after the test): nothing to keep up to date.
    }
  };
  write();
  // Quiet disk and CPU: the counters never move (an idle host).
  writeFileSync(join(proc, 'diskstats'), ' 254       0 vda 20596 7193 1906538 6129 21307 32965 6145696 25037 0 6240 33513 5675 11 522184 977 1601 1368\n');
  writeFileSync(join(proc, 'stat'), 'cpu  50199 0 14375 68079 229 0 214 0 0 0\n');
  let timer: NodeJS.Timeout | null = null;
  return {
    proc,
    sys,
    transfer(iface, mbPerSecond) {
      if (timer) clearInterval(timer);
      let last = Date.now();
      timer = setInterval(() => {
        const now = Date.now();
        // The tx column is derived from rx (a fiftieth): a download, as a real host would show it.
        counters[iface] = (counters[iface] ?? 0) + ((now - last) / 1000) * mbPerSecond * 1e6;
        last = now;
        write();
      }, 250);
      timer.unref();
    },
    stop() {
      if (timer) clearInterval(timer);
      timer = null;
    },
    showPid(pid) {
      symlinkSync(`/proc/${pid}`, join(proc, String(pid)));
    },
  };
}
