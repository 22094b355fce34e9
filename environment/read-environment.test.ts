import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fixedPort, httpUrl, logLevel, port, secretKey, trueOrFalse, wholeNumber } from './parsers.ts';
import { closestName, editDistance, InvalidEnvironmentError, readEnvironment } from './read-environment.ts';

const defaults = { port: 8080, url: 'http://127.0.0.1:3000', verbose: false, level: 'info', retries: 3 };
const table = {
  APP_PORT: ['port', port],
  APP_URL: ['url', httpUrl],
  APP_VERBOSE: ['verbose', trueOrFalse],
  LOG_LEVEL: ['level', logLevel],
  APP_RETRIES: ['retries', wholeNumber(1, 10, 'a number of retries 1..10')],
} as const;

describe('readEnvironment', () => {
  it('keeps every default when nothing is set, and does not change the defaults object', () => {
    assert.deepEqual(readEnvironment('app', defaults, table, {}), defaults);
    assert.equal(defaults.port, 8080);
  });

  it('treats an empty variable as unset', () => {
    const read = readEnvironment('app', defaults, table, { APP_PORT: '', APP_URL: '', LOG_LEVEL: '' });
    assert.deepEqual(read, defaults);
  });

  it('parses each variable into its option', () => {
    const read = readEnvironment('app', defaults, table, {
      APP_PORT: '0',
      APP_URL: 'https://shop.example/api',
      APP_VERBOSE: 'true',
      LOG_LEVEL: 'debug',
      APP_RETRIES: '10',
    });
    assert.deepEqual(read, { port: 0, url: 'https://shop.example/api', verbose: true, level: 'debug', retries: 10 });
  });

  it('names every bad variable, its value and what it must be, in one error prefixed by the process', () => {
    const env = { APP_PORT: '80a', APP_URL: 'ftp://x', APP_VERBOSE: 'yes', LOG_LEVEL: 'loud', APP_RETRIES: '11' };
    assert.throws(
      () => readEnvironment('app', defaults, table, env),
      (error: unknown) => {
        assert.ok(error instanceof InvalidEnvironmentError);
        assert.match(error.message, /^app: /);
        assert.deepEqual(error.problems, [
          'APP_PORT="80a": must be a port number 0..65535',
          'APP_URL="ftp://x": must be an http:// or https:// URL',
          'APP_VERBOSE="yes": must be true or false',
          'LOG_LEVEL="loud": must be one of trace, debug, info, warn, error, fatal, silent',
          'APP_RETRIES="11": must be at most 10',
        ]);
        return true;
      },
    );
  });

  it('quotes at most 80 characters of a bad value', () => {
    assert.throws(
      () => readEnvironment('app', defaults, table, { APP_PORT: '9'.repeat(200) }),
      (error: InvalidEnvironmentError) => error.problems[0] === `APP_PORT="${'9'.repeat(80)}": must be at most 65535`,
    );
  });
});

describe('readEnvironment with unknown variables refused', () => {
  const unknown = { prefix: 'APP_', known: ['APP_NEIGHBOUR_URL'] };

  it('names a variable of the prefix that no process reads, and the closest name one does', () => {
    assert.throws(
      () => readEnvironment('app', defaults, table, { APP_PORTS: '80', APP_URL: 'ftp://x' }, { unknown }),
      (error: unknown) => {
        assert.ok(error instanceof InvalidEnvironmentError);
        assert.deepEqual(error.problems, [
          'APP_PORTS: no process reads it; did you mean APP_PORT?',
          'APP_URL="ftp://x": must be an http:// or https:// URL',
        ]);
        return true;
      },
    );
  });

  it("takes the table's names, the known names of other processes, other prefixes and empty values", () => {
    const env = { APP_PORT: '81', APP_NEIGHBOUR_URL: 'http://x', HOME: '/root', APP_RETIRED: '' };
    assert.equal(readEnvironment('app', defaults, table, env, { unknown }).port, 81);
  });

  it('never quotes the value of an unknown variable (it may be a misspelt secret)', () => {
    assert.throws(
      () => readEnvironment('app', defaults, table, { APP_NEIGHBOUR_URK: 'secret-value' }, { unknown }),
      (error: InvalidEnvironmentError) =>
        error.message === 'app: APP_NEIGHBOUR_URK: no process reads it; did you mean APP_NEIGHBOUR_URL?',
    );
  });

  it('never quotes a bad secret, nor the user and password of a bad URL (errors reach the logs)', () => {
    const withSecrets = { ...table, APP_KEY: ['key', secretKey], APP_STORE_URL: ['store', httpUrl] } as const;
    const short = 'my-real-but-31-byte-pseudonymky';
    assert.throws(
      () => readEnvironment('app', { ...defaults, key: '', store: '' }, withSecrets, { APP_KEY: short }),
      (error: InvalidEnvironmentError) =>
        error.message === 'app: APP_KEY=(31 bytes, not shown): must be at least 32 bytes' &&
        !error.message.includes(short),
    );
    assert.throws(
      () =>
        readEnvironment('app', { ...defaults, key: '', store: '' }, withSecrets, {
          APP_STORE_URL: 'redis://:hunter2@cache:6379',
        }),
      (error: InvalidEnvironmentError) =>
        error.message.startsWith('app: APP_STORE_URL="redis://***@cache:6379": ') && !error.message.includes('hunter2'),
    );
  });

  it('counts edits as Levenshtein does', () => {
    assert.equal(editDistance('RECO_EVENTS_FILE', 'RECO_EVENTS_DIR'), 3);
    assert.equal(editDistance('', 'abc'), 3);
    assert.equal(editDistance('kitten', 'sitting'), 3);
    assert.equal(closestName('RECO_EVENTS_FILE', ['RECO_CATALOG_FILE', 'RECO_EVENTS_DIR']), 'RECO_EVENTS_DIR');
    assert.equal(closestName('X', []), undefined);
  });
});

describe('shared parsers', () => {
  it('port takes 0..65535, fixedPort 1..65535, neither takes signs, fractions or spaces', () => {
    assert.equal(port.parse('0'), 0);
    assert.equal(port.parse('65535'), 65535);
    assert.equal(fixedPort.safeParse('0').success, false);
    for (const bad of ['65536', '-1', '80.5', ' 80', '0x50', 'http']) assert.equal(port.safeParse(bad).success, false);
  });

  it('httpUrl takes http and https URLs only, and refuses text that is no URL at all without throwing', () => {
    assert.equal(httpUrl.parse('http://127.0.0.1:8080'), 'http://127.0.0.1:8080');
    for (const bad of ['nope', 'ftp://x', 'file:///etc/passwd', 'localhost:3000']) {
      assert.equal(httpUrl.safeParse(bad).error?.issues[0]?.message, 'must be an http:// or https:// URL', bad);
    }
  });

  it('trueOrFalse takes true and false only, and says which word to write for 1 and 0', () => {
    assert.equal(trueOrFalse.parse('true'), true);
    assert.equal(trueOrFalse.parse('false'), false);
    const why = (text: string) => trueOrFalse.safeParse(text).error?.issues[0]?.message;
    assert.equal(why('1'), 'must be true or false: write true, not 1');
    assert.equal(why('0'), 'must be true or false: write false, not 0');
    for (const bad of ['TRUE', 'yes', 'on', ' true']) assert.equal(why(bad), 'must be true or false', bad);
  });

  it('secretKey counts bytes, not characters', () => {
    assert.equal(secretKey.safeParse('é'.repeat(16)).success, true, '16 characters, 32 bytes');
    assert.equal(secretKey.safeParse('k'.repeat(31)).success, false);
  });
});
