"""Test fixture: a writer that spins (run id `spin`), grows its memory without end (`grow`), or
echoes its beats."""
from wit_world import exports
from wit_world.imports import dailyx_agent_types as t


class WriterApi(exports.WriterApi):
    def write(self, ctx, plan, materials, style):
        if ctx.run_id == "spin":
            while True:
                pass
        if ctx.run_id == "grow":
            hoard = []
            while True:
                hoard.append(bytearray(1 << 20))
        tweets = [t.Tweet(position=i, text=b.summary, material_ids=[]) for i, b in enumerate(plan.beats)]
        return t.Draft(tweets=tweets, model_used="none", usage=t.TokenUsage(prompt=0, completion=0), notes=[])
