"""Test fixture: a writer whose beats are requests, `METHOD URL [name: value]`; each tweet says
what came back: `200 <body>`, `refused <why>` or `failed <why>`."""
from wit_world import exports
from wit_world.imports import dailyx_agent_types as t
import wasi_fetch


def attempt(line: str) -> str:
    method, url, *header = line.split(" ", 2)
    headers = [tuple(part.strip() for part in header[0].split(":", 1))] if header else []
    try:
        status, _, body = wasi_fetch.fetch(method, url, headers)
        return f"{status} {body.decode(errors='replace')}"
    except wasi_fetch.Refused as e:
        return f"refused {e}"
    except wasi_fetch.Failed as e:
        return f"failed {e}"


class WriterApi(exports.WriterApi):
    def write(self, ctx, plan, materials, style):
        tweets = [t.Tweet(position=i, text=attempt(b.summary), material_ids=[])
                  for i, b in enumerate(plan.beats)]
        return t.Draft(tweets=tweets, model_used="none", usage=t.TokenUsage(prompt=0, completion=0), notes=[])
