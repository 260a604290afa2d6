// Test fixture: a writer that spins (run id `spin`), grows its memory without end (`grow`), or
// echoes its beats.
export const writerApi = {
  write(ctx, plan, materials, style) {
    if (ctx.runId === 'spin') {
      for (;;) {}
    }
    if (ctx.runId === 'grow') {
      const hoard = [];
      for (;;) hoard.push(new Uint8Array(1 << 20).fill(1));
    }
    const tweets = plan.beats.map((b, i) => ({ position: i, text: b.summary, materialIds: [] }));
    return { tweets, modelUsed: 'none', usage: { prompt: 0, completion: 0 }, notes: [] };
  },
};
