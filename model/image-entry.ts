/**
 * The model image's entry point. SageMaker starts a hosting container as `docker run IMAGE serve`
 * and a training job as `docker run IMAGE train`; each command loads only its own code (the
 * training code is a separate chunk of the bundle that serving never imports).
 */
const command = process.argv[2] ?? 'serve';
if (command === 'serve') await import('./container/serve.ts');
else if (command === 'train') {
  const { runTrainingJob } = await import('./training/training-job.ts');
  process.exit(runTrainingJob());
} else {
  console.error(`model image: unknown command "${command}" (SageMaker runs "serve" or "train")`);
  process.exit(2);
}

// A module (top-level await), though it exports nothing.
export {};
