/**
 * The environment the shipped files set is one the proxy takes: server/Dockerfile's ENV and
 * deploy/reco-proxy@.service's Environment= lines load as its configuration, every variable
 * is one it reads, and each image or unit instance gets an event store of its own that is
 * the one place it may write.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { environmentVariables, loadConfig } from '../../server/config.ts';
import {
  dockerEnv,
  dockerInstructions,
  dockerValue,
  dockerVolumes,
  runtimeStage,
  shippedFile,
  unitEnvironment,
  unitService,
  unitValue,
} from '../test-support/shipped-files.ts';

/** Variables the shipped files may set that are Node's or its libraries', not the proxy's table. */
const readByNode = new Set(['NODE_ENV']);

/** The variables in `env` that no part of the proxy reads. */
const unknownIn = (env: Record<string, string>): string[] =>
  Object.keys(env).filter((name) => !(name in environmentVariables) && !readByNode.has(name));

/** What an operator adds (/etc/reco-shelf/proxy.env, `docker run --env-file`): the secrets and addresses. */
const operatorEnv = {
  SAGEMAKER_ENDPOINT_URL: 'http://127.0.0.1:8080',
  RECO_SHOPPER_TOKEN_SECRET: 'shipped-environment-test-shopper-secret-0123',
  RECO_PSEUDONYM_KEY: 'shipped-environment-test-pseudonym-key-01234',
  RECO_SERVER_KEY: 'shipped-environment-test-server-key-0123456789',
};

describe('the shipped environment', () => {
  const stage = runtimeStage(shippedFile('server/Dockerfile'));
  const imageEnv = dockerEnv(stage);
  const unit = shippedFile('deploy/reco-proxy@.service');

  it("server/Dockerfile's ENV loads as the proxy's configuration, every variable known", () => {
    assert.deepEqual(unknownIn(imageEnv), [], 'variables the proxy does not read');
    const config = loadConfig({ ...imageEnv, ...operatorEnv });
    assert.equal(config.eventsDir, imageEnv.RECO_EVENTS_DIR);
  });

  it("deploy/reco-proxy@.service's Environment= loads as the proxy's configuration, every variable known", () => {
    const env = unitEnvironment(unitService(unit, '3001'));
    assert.deepEqual(unknownIn(env), [], 'variables the proxy does not read');
    const config = loadConfig({ ...env, ...operatorEnv });
    assert.equal(config.port, 3001);
  });

  it('the image keeps its events in a declared volume that node owns, and runs on a supported Node LTS', () => {
    const eventsDir = imageEnv.RECO_EVENTS_DIR;
    assert.ok(eventsDir, 'RECO_EVENTS_DIR is set (the default is in the repository, which the image does not have)');
    assert.ok(dockerVolumes(stage).includes(eventsDir), `${eventsDir} is a VOLUME`);
    const runs = stage.filter(([keyword]) => keyword === 'RUN').map(([, args]) => args);
    assert.ok(
      runs.some((run) => run.includes(`mkdir -p ${eventsDir}`) && run.includes(`chown node:node ${eventsDir}`)),
      `${eventsDir} is made and given to node`,
    );
    assert.equal(dockerValue(stage, 'USER'), 'node');
    for (const [keyword, image] of dockerInstructions(shippedFile('server/Dockerfile'))) {
      // Node 20 left support in April 2026; 22 is maintained to April 2027, 24 to April 2028.
      if (keyword === 'FROM') assert.match(image, /^node:(22|24)-[a-z]+-slim\b/, `FROM ${image}`);
    }
    assert.doesNotMatch(dockerValue(stage, 'EXPOSE') ?? '', /9464/, 'the admin listener is not exposed');
  });

  it('each unit instance has its own state directory, the only path it may write, and its own ports', () => {
    const [a, b] = ['3001', '3002'].map((instance) => unitService(unit, instance));
    const [envA, envB] = [unitEnvironment(a!), unitEnvironment(b!)];
    assert.equal(envA.RECO_EVENTS_DIR, `/var/lib/${unitValue(a!, 'StateDirectory')}`, 'events go to the state dir');
    assert.notEqual(envA.RECO_EVENTS_DIR, envB.RECO_EVENTS_DIR);
    assert.notEqual(envA.PROXY_PORT, envB.PROXY_PORT);
    assert.notEqual(envA.RECO_ADMIN_PORT ?? '9464', envB.RECO_ADMIN_PORT ?? '9464', 'two admin listeners collide');
    assert.equal(envA.RECO_ADMIN_HOST, undefined, 'the admin listener stays on loopback');
    assert.equal(unitValue(a!, 'ProtectSystem'), 'strict');
    assert.equal(unitValue(a!, 'ReadWritePaths'), undefined, 'no writable path shared by every instance');
    assert.match(unitValue(a!, 'User') ?? 'root', /^(?!root$)\w+$/);
  });
});
