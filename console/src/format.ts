// Small formatting helpers.

export function dateTime(ms: number | null | undefined): string {
  if (!ms) return "—";
  return new Date(ms).toLocaleString(undefined, {
    year: "numeric",
    month: "short",
    day: "numeric",
    hour: "2-digit",
    minute: "2-digit",
  });
}

/** "in 3 h", "5 min ago". */
export function relative(ms: number | null | undefined, now = Date.now()): string {
  if (!ms) return "";
  const diff = ms - now;
  const abs = Math.abs(diff);
  const fmt = new Intl.RelativeTimeFormat(undefined, { numeric: "auto" });
  if (abs < 60_000) return fmt.format(Math.round(diff / 1000), "second");
  if (abs < 3_600_000) return fmt.format(Math.round(diff / 60_000), "minute");
  if (abs < 86_400_000) return fmt.format(Math.round(diff / 3_600_000), "hour");
  return fmt.format(Math.round(diff / 86_400_000), "day");
}

export function duration(ms: number | null | undefined): string {
  if (ms == null) return "—";
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

export function micros(us: number): string {
  return us < 1000 ? `${us} µs` : duration(Math.round(us / 1000));
}

export function shortDigest(d: string | null | undefined): string {
  if (!d) return "—";
  return d.replace(/^sha256:/, "").slice(0, 12);
}

export function bytes(n: number): string {
  if (n >= 1 << 20) return `${Math.round(n / (1 << 20))} MiB`;
  if (n >= 1 << 10) return `${Math.round(n / (1 << 10))} KiB`;
  return `${n} B`;
}

/** Severity names from a report (`Fail`, `fail`) in one form. */
export function severity(s: string): "info" | "warn" | "fail" {
  const v = s.toLowerCase();
  return v === "fail" || v === "warn" ? v : "info";
}

/** A past span, short: "just now", "3 s ago", "5 min ago", "2 h ago", "4 d ago". */
export function ago(ms: number): string {
  if (ms < 1000) return "just now";
  if (ms < 60_000) return `${Math.floor(ms / 1000)} s ago`;
  if (ms < 3_600_000) return `${Math.floor(ms / 60_000)} min ago`;
  if (ms < 86_400_000) return `${Math.floor(ms / 3_600_000)} h ago`;
  return `${Math.floor(ms / 86_400_000)} d ago`;
}

/** A whole number with the reader's grouping: "12,345". */
export function count(n: number): string {
  return n.toLocaleString();
}

/** A rate (0.0342) as a percentage: "3.42%". */
export function percent(rate: number): string {
  return rate.toLocaleString(undefined, { style: "percent", minimumFractionDigits: 1, maximumFractionDigits: 2 });
}

/** A `YYYY-MM-DD` day (UTC) short: "Nov 16"; with `year`, "Nov 16, 2026". */
export function day(date: string, year = false): string {
  const d = new Date(`${date}T00:00:00Z`);
  if (Number.isNaN(d.getTime())) return date;
  return d.toLocaleDateString(undefined, {
    month: "short",
    day: "numeric",
    ...(year ? { year: "numeric" } : {}),
    timeZone: "UTC",
  });
}

/** The day before a `YYYY-MM-DD` day (UTC), as `YYYY-MM-DD`. */
export function dayBefore(date: string): string {
  const d = new Date(`${date}T00:00:00Z`);
  if (Number.isNaN(d.getTime())) return date;
  return new Date(d.getTime() - 86_400_000).toISOString().slice(0, 10);
}

const PROVIDERS: Record<string, string> = {
  x: "X",
  mastodon: "Mastodon",
  bluesky: "Bluesky",
  facebook: "Facebook",
  instagram: "Instagram",
  webhook: "Signed webhook",
};

/** A provider's name as people know it ("x" → "X"). */
export function providerName(name: string): string {
  return PROVIDERS[name] ?? name;
}

/** The start of a text, cut at a word near `max` characters, with "…" when cut. */
export function truncate(text: string, max = 120): string {
  const flat = text.replace(/\s+/g, " ").trim();
  // By code points: an emoji is never cut in half.
  const chars = Array.from(flat);
  if (chars.length <= max) return flat;
  const cut = chars.slice(0, max).join("");
  const space = cut.lastIndexOf(" ");
  return `${(space > cut.length * 0.6 ? cut.slice(0, space) : cut).trimEnd()}…`;
}
