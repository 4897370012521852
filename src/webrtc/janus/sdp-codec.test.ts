import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { preferredVideoCodec } from './sdp-codec.ts';

const offer = (payloads: string, maps: string) => `v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=rtpmap:111 opus/48000/2\r\nm=video 9 UDP/TLS/RTP/SAVPF ${payloads}\r\n${maps}`;

test('preferredVideoCodec: the first payload type of the m=video line names the publisher’s choice', () => {
  assert.is(preferredVideoCodec(offer('96 102', 'a=rtpmap:96 VP8/90000\r\na=rtpmap:102 H264/90000\r\n')), 'vp8');
  assert.is(preferredVideoCodec(offer('102 96', 'a=rtpmap:96 VP8/90000\r\na=rtpmap:102 H264/90000\r\n')), 'h264');
  assert.is(preferredVideoCodec('v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n'), null, 'no video');
  assert.is(preferredVideoCodec(offer('96', '')), null, 'no rtpmap');
});

test.run();
