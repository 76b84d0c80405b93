// Why a program could not be started, in words a person can act on: "nvidia-smi not found on PATH (...)" and
// "nvidia-smi at /x/y is not executable by uid N" are different problems, which spawn's ENOENT/EACCES do not tell
// apart (execvp answers EACCES when a PATH entry is not searchable, though no nvidia-smi is anywhere).
import { accessSync, constants, statSync } from 'node:fs';
import { join } from 'node:path';

type Found = 'missing' | 'unsearchable' | 'not-executable' | 'runnable';

function inspect(path: string): Found {
  let isFile: boolean;
  try {
    isFile = !statSync(path).isDirectory();
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EACCES' ? 'unsearchable' : 'missing';
  }
  if (!isFile) return 'missing';
  try {
    accessSync(path, constants.X_OK);
    return 'runnable';
  } catch {
    return 'not-executable';
  }
}

/**
 * The message for a failed start of `command` with this PATH, looked up as execvp does. `errno` is spawn's code,
 * `uid` the user the child ran as (null where there are no uids).
 */
export function spawnProblem(command: string, errno: string, path: string | undefined, uid: number | null): string {
  const who = uid === null ? 'this user' : `uid ${uid}`;
  if (command.includes('/')) {
    const found = inspect(command);
    if (found === 'missing') return `${command} not found`;
    if (found === 'unsearchable') return `${command} cannot be reached by ${who}: a directory on the way is not searchable`;
    if (found === 'not-executable') return `${command} is not executable by ${who}`;
    return `${command} could not be started (${errno})`;
  }
  const dirs = (path ?? '').split(':');
  const unsearchable: string[] = [];
  let notExecutable: string | null = null;
  for (const dir of dirs) {
    const candidate = join(dir === '' ? '.' : dir, command);
    const found = inspect(candidate);
    if (found === 'runnable') return `${command} at ${candidate} could not be started (${errno})`;
    if (found === 'not-executable') notExecutable ??= candidate;
    if (found === 'unsearchable') unsearchable.push(dir);
  }
  if (notExecutable !== null) return `${command} at ${notExecutable} is not executable by ${who}`;
  const blocked = unsearchable.length === 0 ? '' : `; not searchable by ${who}: ${unsearchable.join(', ')}`;
  return `${command} not found on PATH (${path ?? ''})${blocked}`;
}
