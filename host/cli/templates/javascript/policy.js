// {{name}}: a Policy. Blocks tweets over the length limit or containing a blocked term.

// X's weighted length: CJK and emoji weigh 2, most other characters 1 (X's URL rule aside).
function weightedLength(text) {
  let n = 0;
  for (const c of text) {
    const p = c.codePointAt(0);
    n += p <= 4351 || (p >= 8192 && p <= 8205) || (p >= 8208 && p <= 8223) || (p >= 8242 && p <= 8247) ? 1 : 2;
  }
  return n;
}

export const policyApi = {
  check(ctx, draft, rules) {
    const lengths = draft.tweets.map((t) => weightedLength(t.text));
    const findings = [];
    draft.tweets.forEach((t, i) => {
      const blocked = rules.blockedTerms.find((b) => t.text.toLowerCase().includes(b.toLowerCase()));
      const why = blocked !== undefined ? `contains the blocked term "${blocked}"`
        : lengths[i] > rules.maxWeightedLength ? `is ${lengths[i]} characters long` : null;
      if (why) {
        findings.push({ code: 'policy.blocked', severity: 'fail', message: `Tweet ${t.position + 1} ${why}.`, tweetPosition: t.position });
      }
    });
    return { verdict: findings.length ? 'fail' : 'pass', findings, weightedLengths: lengths };
  },
};
