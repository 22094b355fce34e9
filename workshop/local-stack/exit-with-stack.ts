/**
 * Preloaded into each process of an `npm start` stack (`node --import tsx --import
 * workshop/local-stack/exit-with-stack.ts entry.ts`, see stack-lifetime.ts): when the launcher named by
 * `RECO_STACK_PID` is gone, this process sends itself SIGTERM, so its own clean stop runs
 * (a server closes, a container finishes its calls). It leaves the entry untouched: the model
 * container's image knows nothing of it.
 */
import { wholeNumber } from '../../environment/parsers.ts';
import { readEnvironment } from '../../environment/read-environment.ts';
import { isRunning } from './stack-lifetime.ts';

/** How often the launcher is looked for: a stopped stack's processes follow within this. */
const checkEveryMs = 500;

const { stackPid } = readEnvironment(
  'exit-with-stack',
  { stackPid: undefined as number | undefined },
  { RECO_STACK_PID: ['stackPid', wholeNumber(1)] },
);
if (stackPid !== undefined) {
  const watch = setInterval(() => {
    if (isRunning(stackPid)) return;
    clearInterval(watch);
    process.kill(process.pid, 'SIGTERM');
  }, checkEveryMs);
  // The watch alone must not keep a process alive that has finished its work.
  watch.unref();
}
