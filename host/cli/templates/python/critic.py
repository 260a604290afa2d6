"""{{name}}: a Critic. Flags tweets that name no material behind them; proposes no revision."""
from wit_world import exports
from wit_world.imports import dailyx_agent_types as t


class CriticApi(exports.CriticApi):
    def critique(self, ctx: t.RunContext, draft: t.Draft, materials, style) -> t.Critique:
        findings = [
            t.Finding(code="provenance.missing", severity=t.Severity.WARN,
                      message=f"Tweet {tweet.position + 1} names no material behind it.",
                      tweet_position=tweet.position)
            for tweet in draft.tweets if not tweet.material_ids
        ]
        return t.Critique(score=max(0, 100 - 20 * len(findings)), summary=f"{len(findings)} finding(s).",
                          findings=findings, revision=None, model_used="none",
                          usage=t.TokenUsage(prompt=0, completion=0))
