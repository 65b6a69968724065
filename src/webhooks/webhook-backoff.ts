/**
 * Seconds to wait before retry number `retry` (1-based): exponential from `base`, capped at `max`, with
 * "equal jitter" (half fixed, half random) so a receiver coming back is not hit by every sender at once.
 */
export function backoffSeconds(
  retry: number,
  base: number,
  max: number,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(max, base * 2 ** Math.max(0, retry - 1));
  return ceiling / 2 + (ceiling / 2) * random();
}
