// `cost-optimizer demo [--port N] [--duration S]`: the controller on a simulated fleet (see demo/run-demo.ts).
import { errorMessage } from '../log';
import { createLogger } from '../log';
import { runDemo } from '../demo/run-demo';
import { type Command, EXIT, wantsHelp } from './command';

const HELP = `Usage: cost-optimizer demo [--port N] [--duration SECONDS]

Starts the controller with fake Vast.ai, TensorDock and Google Cloud APIs and simulated agents (idle, busy,
bursty, MIG, protected, and a host read over SSH when sshd is installed) on compressed timings, and prints the
dashboard URL. Within about a minute the idle instance is paused, the busy ones are kept and the savings move.
Nothing real is touched. --port defaults to 8080 (0 = any free port); --duration stops it after that many seconds.
`;

export const demoCommand: Command = {
  name: 'demo',
  summary: 'controller + simulated providers and agents on compressed timings',
  help: HELP,
  async run(args, io) {
    if (wantsHelp(args)) {
      io.stdout(HELP);
      return EXIT.ok;
    }
    let port = 8080;
    let duration: number | null = null;
    for (let i = 0; i < args.length; i++) {
      const a = args[i]!;
      const v = args[i + 1];
      if ((a === '--port' || a === '--duration') && v !== undefined && /^\d+$/.test(v)) {
        if (a === '--port') port = Number(v);
        else duration = Number(v);
        i++;
      } else {
        io.stderr(`cost-optimizer demo: bad argument "${a}"; see cost-optimizer demo --help\n`);
        return EXIT.usage;
      }
    }
    const logger = createLogger({ level: 'info' });
    let demo;
    try {
      demo = await runDemo({ port, logger, print: (t) => io.stdout(t + '\n') });
    } catch (err) {
      io.stderr(`cost-optimizer demo: cannot start: ${errorMessage(err)}\n`);
      return EXIT.failure;
    }
    const running = demo;
    return new Promise<number>((resolve) => {
      const finish = () => {
        running.stop().then(
          () => resolve(EXIT.ok),
          () => resolve(EXIT.failure),
        );
      };
      if (duration !== null) setTimeout(finish, duration * 1000).unref();
      process.once('SIGINT', finish);
      process.once('SIGTERM', finish);
    });
  },
};
