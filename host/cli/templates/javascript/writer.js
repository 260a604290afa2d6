// {{name}}: a Writer. One tweet per beat, from the beat's summary, cut to X's limit.
import { write as log } from 'dailyx:agent/log@0.2.0';

// X's weight of one character: CJK and emoji 2, most others 1 (X's URL rule aside).
const weight = (c) => {
  const n = c.codePointAt(0);
  return n <= 4351 || (n >= 8192 && n <= 8205) || (n >= 8208 && n <= 8223) || (n >= 8242 && n <= 8247) ? 1 : 2;
};

function cut(text, limit) {
  let used = 0, out = '';
  for (const c of text) {
    used += weight(c);
    if (used > limit) break;
    out += c;
  }
  return out;
}

export const writerApi = {
  write(ctx, plan, materials, style) {
    const tweets = plan.beats.slice(0, plan.maxTweets).map((beat, i) => ({
      position: i,
      text: cut(beat.summary, plan.maxWeightedLength),
      materialIds: beat.materialIds, // provenance: what backs the tweet
    }));
    log('info', `wrote ${tweets.length} tweet(s) for run ${ctx.runId}`);
    return { tweets, modelUsed: 'none', usage: { prompt: 0, completion: 0 }, notes: [] };
  },
};
