// Every `cost-optimizer <command>`. Add a command by writing commands/<name>.ts and listing it here.
import type { Command } from './command';
import { demoCommand } from './demo';
import { doctorCommand } from './doctor';
import { explainCommand } from './explain';
import { reportCommand } from './report';
import { copyStoreCommand } from './copy-store';
import { holdCommand, releaseCommand } from './hold';
import { resumeCommand } from './resume';
import { runOnceCommand } from './run-once';
import { serveCommand } from './serve';
import { statusCommand } from './status';
import { tokenCommand } from './token';
import { ownerCommand } from './owner';
import { teamCommand } from './team';

export const COMMANDS: readonly Command[] = [
  serveCommand,
  runOnceCommand,
  statusCommand,
  explainCommand,
  resumeCommand,
  holdCommand,
  releaseCommand,
  tokenCommand,
  ownerCommand,
  teamCommand,
  reportCommand,
  copyStoreCommand,
  demoCommand,
  doctorCommand,
];
