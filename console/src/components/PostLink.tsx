import { Link } from "react-router";
import { truncate } from "../format";
import type { ReportPost } from "../types";

/** A post's text, cut short, linked to its draft; the post's place in a thread after it. */
export function PostLink({ p, max = 100 }: { p: ReportPost; max?: number }) {
  return (
    <>
      <Link to={`/drafts/${encodeURIComponent(p.draft_id)}`} className="post-link" title={p.text}>
        {truncate(p.text, max)}
      </Link>
      {p.position > 0 && <span className="muted small-text"> (post {p.position + 1} of the thread)</span>}
    </>
  );
}
