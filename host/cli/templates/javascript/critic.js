// {{name}}: a Critic. Flags tweets that name no material behind them; proposes no revision.
export const criticApi = {
  critique(ctx, draft, materials, style) {
    const findings = draft.tweets
      .filter((t) => t.materialIds.length === 0)
      .map((t) => ({
        code: 'provenance.missing',
        severity: 'warn',
        message: `Tweet ${t.position + 1} names no material behind it.`,
        tweetPosition: t.position,
      }));
    return {
      score: Math.max(0, 100 - 20 * findings.length),
      summary: `${findings.length} finding(s).`,
      findings,
      revision: undefined,
      modelUsed: 'none',
      usage: { prompt: 0, completion: 0 },
    };
  },
};
