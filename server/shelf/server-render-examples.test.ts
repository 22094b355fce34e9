/**
 * widget/README.md's three examples of server-rendered shelves (Node, PHP, Java), run as a storefront runs
 * them, against a stand-in proxy that answers with real fragments, fails, or never answers: each writes the
 * proxy's fragments, or else every shelf's reserved space (the same attributes in every language), and says
 * why on its error output, also when `RECO_PROXY_URL` is unset. PHP (php-cli, php-curl) and Java (a JDK,
 * libjackson2-databind-java) are Debian's, which `.ci/run` installs when a machine lacks them.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { renderShelfHtml, type ShelfDisplay } from './shelf-html.ts';

const readme = readFileSync(new URL('../../widget/README.md', import.meta.url), 'utf8');

/** The README's code block marked `<!-- server-render-<name> -->`. */
function example(name: string, fence: string): string {
  const block = new RegExp(`<!-- server-render-${name} -->\\n\`\`\`${fence}\\n([\\s\\S]*?)\`\`\``).exec(readme);
  assert.ok(block, `widget/README.md has a ${fence} block marked <!-- server-render-${name} -->`);
  return block[1]!;
}

/** Jackson as Debian installs it. */
const jackson = ['jackson-databind', 'jackson-core', 'jackson-annotations'].map((jar) => `/usr/share/java/${jar}.jar`);

/** A language's example behind one command: the shelves and token as JSON on stdin, the HTML list as JSON out. */
interface Example {
  name: string;
  command: [string, ...string[]];
}

function prepare(dir: string): Example[] {
  writeFileSync(join(dir, 'shelves.mjs'), example('node', 'js'));
  writeFileSync(
    join(dir, 'node-driver.mjs'),
    "import { renderShelves } from './shelves.mjs';\n" +
      "let text = ''; for await (const chunk of process.stdin) text += chunk;\n" +
      'const { shelves, token } = JSON.parse(text);\n' +
      'process.stdout.write(JSON.stringify(await renderShelves(shelves, token)));\n',
  );
  writeFileSync(join(dir, 'shelves.php'), example('php', 'php'));
  writeFileSync(
    join(dir, 'driver.php'),
    "<?php\nrequire __DIR__ . '/shelves.php';\n$in = json_decode(stream_get_contents(STDIN), true);\n" +
      "echo json_encode(reco_shelves($in['shelves'], $in['token'] ?? null));\n",
  );
  writeFileSync(join(dir, 'RecoShelves.java'), example('java', 'java'));
  writeFileSync(
    join(dir, 'Driver.java'),
    `import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Map;

public final class Driver {
  public static void main(String[] args) throws Exception {
    ObjectMapper json = new ObjectMapper();
    Map<String, Object> in = json.readValue(System.in, new TypeReference<Map<String, Object>>() {});
    @SuppressWarnings("unchecked")
    List<Map<String, Object>> shelves = (List<Map<String, Object>>) in.get("shelves");
    System.out.print(json.writeValueAsString(RecoShelves.render(shelves, (String) in.get("token"))));
  }
}
`,
  );
  const classpath = [dir, ...jackson].join(':');
  try {
    execFileSync('javac', ['-cp', classpath, '-d', dir, join(dir, 'RecoShelves.java'), join(dir, 'Driver.java')], {
      stdio: 'pipe',
    });
  } catch (error) {
    const { stderr } = error as { stderr?: Buffer };
    throw new Error(`javac (a JDK and libjackson2-databind-java, CI installs both): ${stderr ?? error}`);
  }
  return [
    { name: 'Node', command: [process.execPath, join(dir, 'node-driver.mjs')] },
    { name: 'PHP', command: ['php', join(dir, 'driver.php')] },
    { name: 'Java', command: ['java', '-cp', classpath, 'Driver'] },
  ];
}

/** Runs an example once; its answer and what it said on its error output. */
function run(ex: Example, input: object, proxyUrl: string | undefined): Promise<{ html: string[]; stderr: string }> {
  const env: Record<string, string> = { PATH: process.env.PATH ?? '' };
  if (proxyUrl) env.RECO_PROXY_URL = proxyUrl;
  const child = spawn(ex.command[0], ex.command.slice(1), { env, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  child.stdin.end(JSON.stringify(input));
  return new Promise((resolve, reject) => {
    child.once('error', (error) => reject(new Error(`${ex.name}: ${error.message} (is ${ex.command[0]} installed?)`)));
    child.once('close', (code) => {
      if (code !== 0) return reject(new Error(`${ex.name} exited ${code}: ${stderr}`));
      resolve({ html: JSON.parse(stdout) as string[], stderr });
    });
  });
}

/** A reserved shelf's attributes, entities decoded; undefined when it is not one empty `<reco-shelf>`. */
function reservedAttributes(html: string): Record<string, string> | undefined {
  const tag = /^<reco-shelf((?: [a-z-]+="[^"<>]*")*)><\/reco-shelf>$/.exec(html);
  if (!tag) return undefined;
  const entities: Record<string, string> = { quot: '"', amp: '&', lt: '<', gt: '>', '#39': "'", '#039': "'" };
  const decode = (value: string) =>
    value.replace(/&(#\d+|[a-z]+);/g, (whole, name: string) =>
      name.startsWith('#') && !(name in entities)
        ? String.fromCharCode(Number(name.slice(1)))
        : (entities[name] ?? whole),
    );
  return Object.fromEntries(
    [...tag[1]!.matchAll(/ ([a-z-]+)="([^"]*)"/g)].map(([, name, value]) => [name, decode(value!)]),
  );
}

describe("widget/README.md's server-render examples, in Node, PHP and Java", () => {
  let how: 'answer' | 'fail' | 'hang' = 'answer';
  const server = createServer(async (req, res) => {
    let text = '';
    for await (const chunk of req) text += chunk;
    if (how === 'hang') return;
    if (how === 'fail' || req.url !== '/v1/shelves') return void res.writeHead(503).end();
    const body = JSON.parse(text) as { shelves: (ShelfDisplay & { placement: string })[]; render: string };
    assert.equal(body.render, 'html');
    const shelves = body.shelves.map((display, i) => {
      const item = { id: `p${i}`, title: `Product <${i}>`, url: `/product/p${i}`, image: `/i/p${i}.svg` };
      const answer = {
        requestId: `req-${i}`,
        placement: display.placement,
        source: 'model' as const,
        fallbackReason: null,
        model: { version: 'v-7', variant: 'AllTraffic' },
        resolvers: ['model'],
        items: [{ ...item, price: { value: 2.55, currency: 'GBP' }, category: 'home' }],
      };
      return { ...answer, html: renderShelfHtml(answer, display) };
    });
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ shelves }));
  });
  let url = '';
  let examples: Example[] = [];
  before(async () => {
    examples = prepare(mkdtempSync(join(tmpdir(), 'reco-server-render-')));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });

  const input = {
    shelves: [
      { placement: 'product', items: ['85123A', '22423'], heading: `Bought "together" <now> & 'then'` },
      { placement: 'home', limit: 4, layout: 'grid' },
    ],
    token: 'tok.en',
  };
  const reserved = [
    {
      placement: 'product',
      items: '85123A,22423',
      heading: `Bought "together" <now> & 'then'`,
      'shopper-token': 'tok.en',
    },
    { placement: 'home', limit: '4', layout: 'grid', 'shopper-token': 'tok.en' },
  ];

  for (const name of ['Node', 'PHP', 'Java']) {
    it(`${name}: the proxy's fragments; the reserved space when it fails, hangs or is not configured`, {
      timeout: 60_000,
    }, async () => {
      const ex = examples.find((e) => e.name === name)!;
      how = 'answer';
      const answered = await run(ex, input, url);
      assert.equal(answered.html.length, 2);
      assert.match(answered.html[0]!, /^<reco-shelf placement="product" items="85123A,22423" heading="Bought &quot;/);
      assert.match(answered.html[1]!, /^<reco-shelf placement="home" limit="4" layout="grid" data-ssr /);
      assert.match(answered.html[0]!, /<template shadowrootmode="open">[\s\S]*Product &lt;0&gt;/);
      for (const [mode, proxyUrl] of [
        ['fail', url],
        // A proxy that never answers: the example's own 400 ms timeout ends the wait (else this test times out).
        ['hang', url],
        ['unset', undefined],
      ] as const) {
        how = mode === 'unset' ? 'answer' : mode;
        const fellBack = await run(ex, input, proxyUrl);
        assert.deepEqual(fellBack.html.map(reservedAttributes), reserved, `${name}, proxy ${mode}: ${fellBack.html}`);
        assert.match(fellBack.stderr, /left to the browser/, `${name}, proxy ${mode}: says why`);
        if (mode === 'unset') assert.match(fellBack.stderr, /RECO_PROXY_URL/);
      }
    });
  }
});
