"""{{name}}: a Policy. Blocks tweets over the length limit or containing a blocked term."""
from wit_world import exports
from wit_world.imports import dailyx_agent_types as t


def weighted_length(text: str) -> int:
    """X's weighted length: CJK and emoji weigh 2, most other characters 1 (X's URL rule aside)."""
    return sum(1 if ord(c) <= 4351 or 8192 <= ord(c) <= 8205 or 8208 <= ord(c) <= 8223
               or 8242 <= ord(c) <= 8247 else 2 for c in text)


class PolicyApi(exports.PolicyApi):
    def check(self, ctx: t.RunContext, draft: t.Draft, rules: t.PolicyRules) -> t.PolicyReport:
        findings, lengths = [], [weighted_length(tweet.text) for tweet in draft.tweets]
        for tweet, length in zip(draft.tweets, lengths):
            blocked = [b for b in rules.blocked_terms if b.lower() in tweet.text.lower()]
            if blocked:
                why = f'contains the blocked term "{blocked[0]}"'
            elif length > rules.max_weighted_length:
                why = f"is {length} characters long"
            else:
                continue
            findings.append(t.Finding(code="policy.blocked", severity=t.Severity.FAIL,
                                      message=f"Tweet {tweet.position + 1} {why}.", tweet_position=tweet.position))
        verdict = t.Verdict.FAIL if findings else t.Verdict.PASS
        return t.PolicyReport(verdict=verdict, findings=findings, weighted_lengths=lengths)
