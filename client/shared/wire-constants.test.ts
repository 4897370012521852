import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as messages from '../../src/protocol/messages.ts';
import * as scene from '../../src/protocol/scene.ts';
import * as wire from './wire-constants.ts';

test('wire constants – match the protocol module they mirror', () => {
  assert.is(wire.CANVAS_WIDTH, scene.CANVAS_WIDTH);
  assert.is(wire.CANVAS_HEIGHT, scene.CANVAS_HEIGHT);
  assert.equal(wire.CloseCode, messages.CloseCode);
  for (let code = 1000; code < 5000; code++) {
    assert.is(wire.isTerminalCloseCode(code), messages.isTerminalCloseCode(code), `close code ${code}`);
  }
});

test.run();
