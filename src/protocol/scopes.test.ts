/** The scope rules every room, route and panel asks: which action needs which scope, and the items filter. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as v from 'valibot';
import { DEFAULT_MODERATOR_SCOPES, ScopeGrantInput, UNRESTRICTED, globMatches, grantFrom, mayApply, missingScope } from './scopes.ts';

const test = suite('scopes');

test('a key issued without scopes keeps every production right, not the control-surface ones', () => {
  const grant = grantFrom(undefined);
  for (const type of ['add', 'patch', 'remove', 'clear', 'take', 'draft.reset', 'preset.take', 'preset.save', 'revert', 'media.upload', 'media.delete', 'tts', 'webrtc.publish']) {
    assert.ok(mayApply(grant, { type }), type);
  }
  assert.is(missingScope(grant, { type: 'overlay.reload' })?.scope, 'overlay.reload');
  assert.is(missingScope(grant, { type: 'obs.control' })?.scope, 'obs.control');
  assert.not.ok(DEFAULT_MODERATOR_SCOPES.includes('control.read'));
});

test('a tts-only grant may speak; every scene op is refused naming scene.edit', () => {
  const grant = grantFrom({ scopes: ['tts'] });
  assert.ok(mayApply(grant, { type: 'tts' }));
  for (const type of ['add', 'update', 'patch', 'remove', 'bringToFront', 'sendToBack', 'clear', 'cue', 'timer']) {
    const refusal = missingScope(grant, { type }, { id: 'logo' });
    assert.is(refusal?.scope, 'scene.edit', type);
    assert.match(refusal!.message, 'scene.edit');
  }
  assert.is(missingScope(grant, { type: 'take' })?.scope, 'scene.take');
  assert.is(missingScope(grant, { type: 'preset.take' })?.scope, 'presets');
  assert.is(missingScope(grant, { type: 'revert' })?.scope, 'history.revert');
  assert.is(missingScope(grant, { type: 'media.upload' })?.scope, 'media.upload');
});

test('scene.draft edits only the draft; scene.edit edits both', () => {
  const drafter = grantFrom({ scopes: ['scene.draft'] });
  assert.ok(mayApply(drafter, { type: 'patch', stage: 'draft' }, { id: 'a' }));
  assert.ok(mayApply(drafter, { type: 'draft.reset' }));
  assert.is(missingScope(drafter, { type: 'patch', stage: 'live' }, { id: 'a' })?.scope, 'scene.edit');
  assert.is(missingScope(drafter, { type: 'patch' }, { id: 'a' })?.scope, 'scene.edit', 'no stage means live');
  assert.is(missingScope(drafter, { type: 'take' })?.scope, 'scene.take');
  const editor = grantFrom({ scopes: ['scene.edit'] });
  assert.ok(mayApply(editor, { type: 'patch', stage: 'draft' }, { id: 'a' }));
  assert.ok(mayApply(editor, { type: 'patch', stage: 'live' }, { id: 'a' }));
});

test('an items filter allows matching ids or names and refuses the rest and whole-scene actions', () => {
  const grant = grantFrom({ scopes: ['scene.edit', 'scene.take', 'history.revert', 'presets'], items: ['score-*', 'Title'] });
  assert.ok(mayApply(grant, { type: 'patch' }, { id: 'score-home' }));
  assert.ok(mayApply(grant, { type: 'patch' }, { id: 'i-123', name: 'Title' }), 'a name match counts');
  const refusal = missingScope(grant, { type: 'patch' }, { id: 'logo', name: 'Logo' });
  assert.is(refusal?.scope, 'items');
  assert.match(refusal!.message, 'logo');
  for (const type of ['clear', 'take', 'preset.take', 'revert', 'draft.reset']) assert.is(missingScope(grant, { type })?.scope, 'items', type);
  assert.ok(mayApply(grant, { type: 'preset.save' }), 'saving a preset changes no item');
  assert.ok(mayApply(grantFrom({ scopes: ['scene.edit'], items: [] }), { type: 'clear' }), 'an empty filter means no filter');
});

test('globs: * and ? only, the rest literal', () => {
  assert.ok(globMatches('score-*', 'score-'));
  assert.ok(globMatches('score-*', 'score-home'));
  assert.not.ok(globMatches('score-*', 'xscore-home'));
  assert.ok(globMatches('a?c', 'abc'));
  assert.not.ok(globMatches('a?c', 'abbc'));
  assert.not.ok(globMatches('a.c', 'abc'), 'a dot is literal');
  assert.ok(globMatches('(x)+', '(x)+'));
  assert.ok(mayApply(UNRESTRICTED, { type: 'obs.control' }));
});

test('grant input: known scope names only, deduplicated; items bounded', () => {
  assert.equal(v.parse(ScopeGrantInput, { scopes: ['tts', 'tts', 'presets'] }), { scopes: ['tts', 'presets'] });
  assert.not.ok(v.safeParse(ScopeGrantInput, { scopes: ['admin'] }).success);
  assert.not.ok(v.safeParse(ScopeGrantInput, { scopes: 'tts' }).success);
  assert.not.ok(v.safeParse(ScopeGrantInput, { items: [''] }).success);
  assert.not.ok(v.safeParse(ScopeGrantInput, { items: Array.from({ length: 51 }, (_, i) => `i${i}`) }).success);
  assert.ok(v.safeParse(ScopeGrantInput, {}).success);
});

test.run();
