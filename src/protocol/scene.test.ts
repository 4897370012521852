/**
 * The scene schema's rules for `color`/`bg` and `src` (shared with clients), and that a refusal
 * names the field: what the server's own checks build on.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { SceneOp } from './messages.ts';
import { parseValue } from './parse.ts';
import { isCssColor } from './css-color.ts';
import { mediaSrcRefusal, parseOrigin } from './media-origins.ts';

const test = suite('scene schema');

test('colours: hex, rgb[a], hsl[a], names and transparent pass; anything that could fetch or restyle does not', () => {
  for (const ok of ['', '#fff', '#FFFA', '#00ff00', '#00ff0080', 'rgb(0, 0, 0)', 'rgba(0,0,0,0.5)', 'rgb(0 0 0 / 50%)', 'hsl(120deg 50% 50%)', 'hsla(120, 50%, 50%, .2)', 'RebeccaPurple', 'transparent']) {
    assert.ok(isCssColor(ok), ok);
  }
  for (const bad of ['url(x)', 'red;background:url(x)', 'var(--x)', 'red !important', 'rgb(0,0,0);x', 'image-set("x.png" 1x)', '#ggg', 'expression(alert(1))', 'notacolour', 'rgb(url(x),0,0)']) {
    assert.not.ok(isCssColor(bad), bad);
  }
});

test('src: the schema refuses backslashes, control characters and non-http schemes, naming the field', () => {
  const cases: [unknown, string][] = [
    ['/\\evil.example/x', 'item.src: src must not contain a backslash'],
    ['/\t/evil.example/x', 'item.src: src must not contain control characters (tab, newline, …)'],
    ['/\n/evil.example/x', 'item.src: src must not contain control characters (tab, newline, …)'],
    ['//evil.example/x', 'item.src: src must be a /path on this server or an http(s) URL'],
    ['javascript:alert(1)', 'item.src: src must be a /path on this server or an http(s) URL'],
    [42, 'item.src: src must be a string'],
  ];
  for (const [src, message] of cases) {
    const parsed = parseValue(SceneOp, { type: 'add', item: { kind: 'image', src } });
    assert.ok(!parsed.ok && parsed.message === message, `${JSON.stringify(src)}: ${JSON.stringify(parsed)}`);
  }
  assert.ok(parseValue(SceneOp, { type: 'add', item: { kind: 'image', src: '/uploads/a.png?v=1' } }).ok);
});

test('origins: relative paths always, URLs only from the list', () => {
  assert.is(mediaSrcRefusal('/uploads/a.png', []), null);
  assert.is(mediaSrcRefusal('', []), null);
  assert.is(mediaSrcRefusal('https://cdn.example.com/a.png', ['https://cdn.example.com']), null);
  assert.match(mediaSrcRefusal('https://cdn.example.com.evil.example/a.png', ['https://cdn.example.com']) ?? '', 'not an allowed media origin');
  assert.match(mediaSrcRefusal('http://cdn.example.com/a.png', ['https://cdn.example.com']) ?? '', 'not an allowed media origin');
  assert.is(parseOrigin('https://CDN.example.com/'), 'https://cdn.example.com');
  assert.is(parseOrigin('https://cdn.example.com/path'), null);
  assert.is(parseOrigin('ftp://cdn.example.com'), null);
});

test('a bad field in an item names its path, not "Expected Object"', () => {
  const parsed = parseValue(SceneOp, { type: 'update', item: { id: 'a', kind: 'image', x: 'left' } });
  assert.ok(!parsed.ok);
  if (!parsed.ok) assert.is(parsed.message, 'item.x: x must be a number');
  const range = parseValue(SceneOp, { type: 'patch', id: 'a', changes: { opacity: 2 } });
  assert.ok(!range.ok && range.message === 'changes.opacity: opacity must be at most 1', JSON.stringify(range));
});

test.run();
