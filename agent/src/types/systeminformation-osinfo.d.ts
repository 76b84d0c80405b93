// Types for the one systeminformation submodule the agent loads (its main entry pulls in every collector).
declare module 'systeminformation/lib/osinfo' {
  import type { Systeminformation } from 'systeminformation';
  export function osInfo(): Promise<Systeminformation.OsData>;
}
