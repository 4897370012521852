/** The first video codec of an offer's m=video line: what the publisher prefers. */
export function preferredVideoCodec(sdp: string): string | null {
  const mline = /^m=video \d+ [A-Z/]+ ([\d ]+)$/m.exec(sdp);
  const first = mline?.[1]?.trim().split(' ')[0];
  if (!first) return null;
  const rtpmap = new RegExp(`^a=rtpmap:${first} ([A-Za-z0-9-]+)/`, 'm').exec(sdp);
  return rtpmap?.[1]?.toLowerCase() ?? null;
}
