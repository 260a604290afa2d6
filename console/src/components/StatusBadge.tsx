import type { DraftStatus } from "../types";

// One badge per state: a colour, a symbol and the words, so the state never depends on
// colour alone.
const LABELS: Record<DraftStatus, { label: string; symbol: string }> = {
  pending: { label: "Pending review", symbol: "●" },
  needs_human_attention: { label: "Needs attention", symbol: "!" },
  publishing: { label: "Publishing", symbol: "↻" },
  posted: { label: "Posted", symbol: "✓" },
  dry_run_posted: { label: "Dry-run posted", symbol: "✓" },
  error: { label: "Error", symbol: "✕" },
  skipped: { label: "Skipped", symbol: "–" },
  expired: { label: "Expired", symbol: "⌛" },
};

export function statusLabel(status: string): string {
  return LABELS[status as DraftStatus]?.label ?? status;
}

export function StatusBadge({ status }: { status: string }) {
  const l = LABELS[status as DraftStatus] ?? { label: status, symbol: "?" };
  return (
    <span className={`badge badge-${status}`} data-status={status}>
      <span aria-hidden="true">{l.symbol}</span> {l.label}
    </span>
  );
}

export function VerdictBadge({ verdict }: { verdict: string }) {
  const v = verdict.toLowerCase();
  return (
    <span className={`verdict verdict-${v}`} data-verdict={v}>
      Policy: {v.toUpperCase()}
    </span>
  );
}
