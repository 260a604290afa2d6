import { diffWords } from "diff";

/** A word diff of `after` against `before`: removed words struck through, added ones marked. */
export function Diff({ before, after }: { before: string; after: string }) {
  if (before === after) return <p className="muted diff-none">No change from the generated text.</p>;
  const parts = diffWords(before, after);
  return (
    <p className="diff" aria-label="Changes against the generated text">
      {parts.map((p, i) =>
        p.added ? (
          <ins key={i}>{p.value}</ins>
        ) : p.removed ? (
          <del key={i}>{p.value}</del>
        ) : (
          <span key={i}>{p.value}</span>
        ),
      )}
    </p>
  );
}
