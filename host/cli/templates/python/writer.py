"""{{name}}: a Writer. One tweet per beat, from the beat's summary, cut to X's limit."""
from wit_world import exports
from wit_world.imports import dailyx_agent_types as t, log


def weight(c: str) -> int:
    """X's weight of one character: CJK and emoji 2, most others 1 (X's URL rule aside)."""
    n = ord(c)
    return 1 if n <= 4351 or 8192 <= n <= 8205 or 8208 <= n <= 8223 or 8242 <= n <= 8247 else 2


def cut(text: str, limit: int) -> str:
    used = 0
    for i, c in enumerate(text):
        used += weight(c)
        if used > limit:
            return text[:i]
    return text


class WriterApi(exports.WriterApi):
    def write(self, ctx: t.RunContext, plan: t.ThreadPlan, materials, style) -> t.Draft:
        tweets = [
            # material_ids is the provenance: what backs the tweet.
            t.Tweet(position=i, text=cut(beat.summary, plan.max_weighted_length), material_ids=beat.material_ids)
            for i, beat in enumerate(plan.beats[: plan.max_tweets])
        ]
        log.write(log.Level.INFO, f"wrote {len(tweets)} tweet(s) for run {ctx.run_id}")
        return t.Draft(tweets=tweets, model_used="none", usage=t.TokenUsage(prompt=0, completion=0), notes=[])
