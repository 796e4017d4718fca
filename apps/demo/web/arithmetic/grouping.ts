/**
 * Which input channels each output channel reads. With `groups` G the channels split into G
 * groups, in order, and output channel o reads only the input channels of its own group: G = 1
 * connects everything, G = in = out (depthwise) filters each channel on its own. One link is one
 * `[kernel]` slice of the weight, so there are in · out / G of them, as many as the weight's first
 * two axes hold.
 */
import type { ArithSettings } from './settings.js';

export interface ChannelLink {
  input: number;
  output: number;
  group: number;
}

type Channels = Pick<ArithSettings, 'inChannels' | 'outChannels' | 'groups'>;

/** The links, output channel by output channel; null where groups does not divide both counts. */
export function channelLinks(s: Channels): ChannelLink[] | null {
  const { inChannels, outChannels, groups } = s;
  if (inChannels % groups !== 0 || outChannels % groups !== 0) return null;
  const inPer = inChannels / groups;
  const outPer = outChannels / groups;
  const links: ChannelLink[] = [];
  for (let output = 0; output < outChannels; output++) {
    const group = Math.floor(output / outPer);
    for (let input = group * inPer; input < (group + 1) * inPer; input++) {
      links.push({ input, output, group });
    }
  }
  return links;
}

/** True for a depthwise convolution: as many groups as channels on both sides. */
export function isDepthwise(s: Channels): boolean {
  return s.groups === s.inChannels && s.groups === s.outChannels;
}
