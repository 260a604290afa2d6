import type { CircuitState, ProviderDeliveryStatus } from "../types";

// Like the draft badges: a colour, a symbol and the words, so a state never depends on colour
// alone.

const CIRCUIT: Record<CircuitState, { label: string; symbol: string }> = {
  closed: { label: "Closed", symbol: "●" },
  "half-open": { label: "Half-open", symbol: "◐" },
  open: { label: "Open", symbol: "✕" },
};

/** A circuit breaker's state: closed (publishing), open (paused), half-open (one try). */
export function CircuitBadge({ state }: { state: string }) {
  const c = CIRCUIT[state as CircuitState] ?? { label: state, symbol: "?" };
  return (
    <span className={`badge circuit-${state}`} data-circuit={state}>
      <span aria-hidden="true">{c.symbol}</span> {c.label}
    </span>
  );
}

export function circuitLabel(state: string): string {
  return CIRCUIT[state as CircuitState]?.label ?? state;
}

const DELIVERY: Record<ProviderDeliveryStatus, { label: string; symbol: string }> = {
  pending: { label: "Pending", symbol: "↻" },
  delivered: { label: "Delivered", symbol: "✓" },
  simulated: { label: "Simulated", symbol: "✓" },
  waiting: { label: "Waiting", symbol: "⌛" },
  unconfirmed: { label: "Unconfirmed", symbol: "?" },
  failed: { label: "Failed", symbol: "✕" },
};

export function deliveryLabel(status: string): string {
  return DELIVERY[status as ProviderDeliveryStatus]?.label ?? status;
}

/** Where a draft's delivery to one provider stands. */
export function DeliveryBadge({ status }: { status: string }) {
  const d = DELIVERY[status as ProviderDeliveryStatus] ?? { label: status, symbol: "?" };
  return (
    <span className={`badge delivery-${status}`} data-delivery={status}>
      <span aria-hidden="true">{d.symbol}</span> {d.label}
    </span>
  );
}
