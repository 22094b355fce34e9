/**
 * The `RECO_*` variables read by the project's processes other than the proxy, and who reads
 * them. `npm start` and an operator's env file hand one environment to several processes, so
 * the proxy refuses only a `RECO_*` name that no process reads (`server/config.ts` joins this
 * list to its own table, and so do the tools that run with the proxy's env file: the retrain and
 * the monitor); `project-variables.test.ts` checks the list against the sources.
 */
export const otherProcessVariables: Readonly<Record<string, string>> = {
  RECO_STACK_PID: 'workshop/local-stack/exit-with-stack.ts: the `npm start` launcher each of its processes watches',
  RECO_MODEL_S3_URI: 'model/retrain/retrain-environment.ts: where --cloud uploads the artifact',
  RECO_MODEL_IMAGE: 'model/retrain/retrain-environment.ts: the inference image --cloud deploys',
  RECO_SAGEMAKER_ROLE_ARN: 'model/retrain/retrain-environment.ts: the role --cloud deploys with',
  RECO_PSEUDONYM_KEY:
    'model/training/train.ts, model/monitor/monitor-environment.ts, model/retrain/retrain-environment.ts; ' +
    'scripts/ensure-built.ts gives it (or the development key) to the first training',
  RECO_EVENTS_DIR: 'model/monitor/monitor-environment.ts, model/retrain/retrain-environment.ts',
  RECO_EVENTS_DEDUP_HOURS: 'model/monitor/monitor-environment.ts',
  RECO_EVENTS_SEGMENT_SECONDS: 'model/monitor/monitor-environment.ts',
  RECO_VARIANTS: 'model/deploy/deploy.ts: whether the proxy pins variant weights',
  RECO_SHOPPER_TOKEN_SECRET: 'demo/storefront/main.ts, model/retrain/retrain-environment.ts',
  RECO_SERVER_KEY: 'demo/storefront/main.ts',
  RECO_HOLDOUT_PERCENT: 'demo/start.ts: gives the proxy 10 unless set',
  RECO_ALLOWED_ORIGINS: "demo/processes.ts: adds the storefront's origins for the proxy",
};
