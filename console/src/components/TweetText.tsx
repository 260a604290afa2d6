// A tweet's text as X shows it: line breaks kept, links clickable (opened in a new tab
// without the console as referrer).
const URL_RE = /(https?:\/\/[^\s<>"']+)/g;

export function TweetText({ text }: { text: string }) {
  const parts = text.split(URL_RE);
  return (
    <p className="tweet-text">
      {parts.map((part, i) =>
        i % 2 === 1 ? (
          <a key={i} href={part} target="_blank" rel="noreferrer noopener">
            {part}
          </a>
        ) : (
          <span key={i}>{part}</span>
        ),
      )}
    </p>
  );
}

/** "243 / 280", red past the limit. */
export function LengthMeter({ length, limit }: { length: number; limit: number }) {
  const over = length > limit;
  const pct = Math.min(100, Math.round((length / limit) * 100));
  return (
    <span className={`meter ${over ? "over" : pct > 90 ? "near" : ""}`} data-testid="length">
      <span className="meter-bar" aria-hidden="true">
        <span style={{ width: `${pct}%` }} />
      </span>
      <span className="meter-text">
        {length} / {limit}
        {over && <span className="sr-only"> (over the limit)</span>}
      </span>
    </span>
  );
}
