-- Where a write-only secret may be sent (a JSON array of destinations: an LLM or API origin,
-- `smtp://host:port`), recorded when an admin sets it. Changing the address a secret is used
-- with does not carry the secret along: it must be set again for the new one. NULL: a
-- credential that needs no destination of its own (a provider's, which goes to its network's
-- API origin only), or one stored before this column, which is set again before it is used.
ALTER TABLE credentials ADD COLUMN bound_to TEXT;
