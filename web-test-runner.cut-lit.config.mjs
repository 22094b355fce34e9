// The shelf's browser tests once more, on the Lit its production bundle carries: Lit's production
// build with the cuts of widget/scripts/trim-lit.ts. The main run (web-test-runner.config.mjs) uses
// Lit's development build, whose warnings catch mistakes; this one fails when the shelf starts using
// a piece of Lit that the bundle no longer has (a directive, a `?attr` binding, `reflect`, …).
// The tests of the built bundle (widget/test/) run in the main run only: they load dist/ either way.
import { tsImport } from 'tsx/esm/api';
import config from './web-test-runner.config.mjs';

const { trimLitFile } = await tsImport('./widget/scripts/trim-lit.ts', import.meta.url);

export default {
  ...config,
  files: ['widget/reco-shelf/**/*.test.ts'],
  nodeResolve: { exportConditions: ['production'] },
  plugins: [
    ...config.plugins,
    {
      name: 'reco-shelf:trim-lit',
      transform(context) {
        const body = context.path.includes('/node_modules/') ? trimLitFile(context.path, String(context.body)) : null;
        return body === null ? undefined : { body };
      },
    },
  ],
};
