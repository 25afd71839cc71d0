// Shared by the benchmark pages.

/** Resolves after the next frame has been produced: a rAF callback runs just before the
 *  frame's style/layout/paint, a task queued from it runs after that frame. */
export function painted() {
  return new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export function stats(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    median: median(sorted),
    min: sorted[0],
    max: sorted[sorted.length - 1],
    runs: sorted.length,
  };
}
