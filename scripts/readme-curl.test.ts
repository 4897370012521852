/**
 * The curl examples in README.md run, as written, against a real server. Rules for README
 * authors (the same rules run on the fixture below, so the checker itself is tested):
 *  1. A fenced block marked ```bash, ```sh or ```shell that contains `curl` is run. Put
 *     `<!-- readme-test: skip -->` on the line right above the fence to leave one out
 *     (examples for a real domain, or ones meant to fail).
 *  2. Every `http://127.0.0.1:13337` (or `http://localhost:13337`) becomes the test
 *     server's address. `$STREAMER_API_TOKEN` is exported with its token; lines that assign
 *     STREAMER_API_TOKEN themselves are dropped.
 *  3. All runnable blocks run in order in ONE bash (`set -euo pipefail`), so a variable set
 *     in one block is there in the next: KEY=$(curl -fsS … | sed -n 's/.*"key":"\([^"]*\)".*\/\1/p').
 *     Using a variable nobody set fails (set -u). No <PLACEHOLDER> text: bash reads `<` as a
 *     redirection; use a variable from an earlier block.
 *  4. Every curl carries -f (--fail; -fsS is the convention), so an HTTP error fails it.
 *  5. The working directory holds sample media: image.png, clip.mp4 (-F file=@clip.mp4).
 *  6. Each curl may take 20 s at most (a .curlrc in the test's HOME), all blocks 90 s.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestServer, STREAMER_TOKEN, type TestServer } from '../testing/test-server.ts';
import { mp4Bytes, pngBytes } from '../testing/media-samples.ts';
import { ROOT } from '../testing/nginx-edge.ts';

const README_BASE_URLS = ['http://127.0.0.1:13337', 'http://localhost:13337'];
const SKIP_MARKER = '<!-- readme-test: skip -->';

interface CurlBlock {
  /** 1-based line of the opening fence in the markdown. */
  line: number;
  code: string;
  skip: boolean;
}

function extractCurlBlocks(markdown: string): CurlBlock[] {
  const lines = markdown.split('\n');
  const blocks: CurlBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,}|~{3,})\s*(\w+)?/.exec(lines[i]!);
    if (!open) continue;
    const fence = open[2]!;
    let end = i + 1;
    while (end < lines.length && !lines[end]!.trim().startsWith(fence)) end++;
    const code = lines.slice(i + 1, end).join('\n');
    const language = (open[3] ?? '').toLowerCase();
    if (['bash', 'sh', 'shell'].includes(language) && /\bcurl\s/.test(code)) {
      blocks.push({ line: i + 1, code, skip: (lines[i - 1] ?? '').trim() === SKIP_MARKER });
    }
    i = end;
  }
  return blocks;
}

/** Problems a block has before it runs (rule 4, rule 3's placeholders). */
function ruleProblems(block: CurlBlock): string[] {
  const problems: string[] = [];
  const joined = block.code.replace(/\\\n/g, ' ');
  for (const [, args] of joined.matchAll(/\bcurl\b([^|;&\n)]*)/g)) {
    if (!/(?:^|\s)(?:-[A-Za-z]*f[A-Za-z]*|--fail(?:-with-body)?)(?=\s|$)/.test(args!)) problems.push(`curl without -f (use -fsS): curl${args!.slice(0, 80)}`);
  }
  const placeholder = /<[A-Za-z_][A-Za-z0-9_ -]*>/.exec(joined);
  if (placeholder) problems.push(`placeholder ${placeholder[0]}: use a variable set by an earlier block`);
  return problems;
}

interface RunResult {
  ok: boolean;
  /** Index into the runnable blocks of the one that failed. */
  failedBlock: number | null;
  output: string;
}

async function runBlocks(blocks: CurlBlock[], baseUrl: string, streamerToken: string): Promise<RunResult> {
  const dir = await mkdtemp(join(tmpdir(), 'so-readme-'));
  try {
    await writeFile(join(dir, 'image.png'), pngBytes(4, 4));
    await writeFile(join(dir, 'clip.mp4'), mp4Bytes(50_000));
    await writeFile(join(dir, '.curlrc'), 'max-time = 20\n');
    let script = 'set -euo pipefail\n';
    blocks.forEach((block, index) => {
      let code = block.code.replace(/^\s*(?:export\s+)?STREAMER_API_TOKEN=.*$/gm, '');
      for (const url of README_BASE_URLS) code = code.replaceAll(url, baseUrl);
      script += `printf '\\n@@readme-block ${index}@@\\n' >&2\n${code}\n`;
    });
    script += `printf '\\n@@readme-done@@\\n' >&2\n`;
    // Asynchronously: the server runs in this process and must keep answering.
    const child = spawn('bash', ['-c', script], {
      cwd: dir,
      env: { PATH: process.env.PATH, HOME: dir, STREAMER_API_TOKEN: streamerToken, LC_ALL: 'C' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
    const code = await new Promise<number | null>((resolve) => child.once('close', (c) => resolve(c)));
    clearTimeout(timer);
    const markers = [...output.matchAll(/@@readme-block (\d+)@@/g)];
    const last = markers.length ? Number(markers.at(-1)![1]) : null;
    const done = output.includes('@@readme-done@@');
    // Rule 4 makes HTTP errors fail; a curl error message is a failure even if bash went on.
    const ok = code === 0 && done && !/^curl: \(\d+\)/m.test(output);
    return { ok, failedBlock: ok ? null : last, output };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A README in the shape the real one should have; also shows the rules in use. */
const FIXTURE = `# Example

Check it is up:

\`\`\`bash
curl -fsS http://127.0.0.1:13337/health
\`\`\`

Issue a one-time key for a moderator of room main, and consume it (what the panel does):

\`\`\`bash
KEY=$(curl -fsS -X POST http://127.0.0.1:13337/api/moderator-keys/generate \\
  -H "x-streamer-token: $STREAMER_API_TOKEN" -d room=main -d label=Alice \\
  | sed -n 's/.*"key":"\\([^"]*\\)".*/\\1/p')
SESSION=$(curl -fsS -X POST http://127.0.0.1:13337/api/moderator-keys/consume -d key="$KEY" \\
  | sed -n 's/.*"session":"\\([^"]*\\)".*/\\1/p')
\`\`\`

The OBS URL for room main:

\`\`\`sh
curl -fsS -X POST http://127.0.0.1:13337/api/overlay/token \\
  -H "x-streamer-token: $STREAMER_API_TOKEN" -H 'content-type: application/json' -d '{"room":"main"}'
\`\`\`

A moderator uploads a picture with the session:

\`\`\`bash
curl -fsS -H "Authorization: Bearer $SESSION" -F file=@image.png http://127.0.0.1:13337/upload
\`\`\`

${SKIP_MARKER}
\`\`\`bash
curl -fsS https://overlay.example.com/health
\`\`\`

\`\`\`bash
export STREAMER_API_TOKEN=$(grep STREAMER_API_TOKEN .env | cut -d= -f2)
curl -fsS -H "x-streamer-token: $STREAMER_API_TOKEN" http://127.0.0.1:13337/api/moderator-sessions
\`\`\`
`;

let server: TestServer;

const checker = suite('README curl checker (on a fixture README)');
checker.before(async () => {
  server = await startTestServer();
});
checker.after(async () => {
  await server?.stop();
});

checker('finds the bash/sh blocks with curl, honours the skip marker', () => {
  const blocks = extractCurlBlocks(FIXTURE);
  assert.equal(blocks.map((b) => b.skip), [false, false, false, false, true, false]);
  assert.equal(blocks.flatMap(ruleProblems), []);
});

checker('runs them in order in one shell: variables carry over, all succeed', async () => {
  const result = await runBlocks(extractCurlBlocks(FIXTURE).filter((b) => !b.skip), server.url, STREAMER_TOKEN);
  assert.ok(result.ok, result.output);
  assert.match(result.output, /"ok":true,"room":"main","token":/);
  assert.match(result.output, /"path":"\/uploads\/[0-9a-f]{64}\.png"/);
});

checker('an example that gets an HTTP error fails, and names its block', async () => {
  const broken = FIXTURE.replace('/api/overlay/token', '/api/overlay/tokens');
  const result = await runBlocks(extractCurlBlocks(broken).filter((b) => !b.skip), server.url, STREAMER_TOKEN);
  assert.not.ok(result.ok);
  assert.is(result.failedBlock, 2);
  assert.match(result.output, /curl: \(22\)/);
});

checker('a wrong token fails too (the example must really work)', async () => {
  const result = await runBlocks(extractCurlBlocks(FIXTURE).slice(2, 3), server.url, 'not-the-streamer-token-0123');
  assert.not.ok(result.ok);
});

checker('rules: curl without -f and <PLACEHOLDER> text are reported before running', () => {
  const problems = ruleProblems({ line: 1, skip: false, code: 'curl -s http://127.0.0.1:13337/health\ncurl -fsS -d key=<KEY> http://127.0.0.1:13337/x' });
  assert.is(problems.length, 2);
  assert.match(problems[0]!, /without -f/);
  assert.match(problems[1]!, /placeholder <KEY>/);
  assert.equal(ruleProblems({ line: 1, skip: false, code: 'curl -sSf x | sed 1q\ncurl --fail -F file=@a.png y' }), []);
});

checker.run();

const readme = suite('README.md curl examples');
const README = join(ROOT, 'README.md');

// README.md is part of the repository: a missing one fails here rather than skipping.
readme.before(async () => {
  server = await startTestServer();
});
readme.after(async () => {
  await server?.stop();
});

readme('every runnable curl block follows the rules and succeeds against a real server', async () => {
  const blocks = extractCurlBlocks(await readFile(README, 'utf8'));
  const runnable = blocks.filter((b) => !b.skip);
  assert.ok(runnable.length > 0, 'README.md has no runnable curl example (```bash blocks with curl)');
  const problems = runnable.flatMap((b) => ruleProblems(b).map((p) => `README.md:${b.line}: ${p}`));
  assert.equal(problems, [], problems.join('\n'));
  const result = await runBlocks(runnable, server.url, STREAMER_TOKEN);
  const failed = result.failedBlock === null ? null : runnable[result.failedBlock];
  assert.ok(result.ok, `README.md:${failed?.line ?? '?'}: this example failed\n${failed?.code ?? ''}\n--- output ---\n${result.output.slice(-3000)}`);
});

readme.run();
