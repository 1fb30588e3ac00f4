/**
 * When a <web-vm> starts (its `loading` attribute), like <img loading>:
 * `eager` at once; `lazy` when it comes near the viewport, so a page of ten
 * idle embeds costs nothing until they scroll into view; `click` never on
 * its own (the element shows a start button).
 * Returns a function that cancels the wait.
 */
import type { LoadingPolicy } from './attributes.js';

export function whenToStart(host: HTMLElement, policy: LoadingPolicy, start: () => void): () => void {
  if (policy === 'click') return () => {};
  if (policy === 'eager') {
    let cancelled = false;
    queueMicrotask(() => {
      if (!cancelled) start();
    });
    return () => (cancelled = true);
  }
  const io = new IntersectionObserver(
    (entries) => {
      if (!entries.some((e) => e.isIntersecting)) return;
      io.disconnect();
      start();
    },
    // Start a little before it is on screen, so the terminal is ready when the reader gets there.
    { rootMargin: '200px' },
  );
  io.observe(host);
  return () => io.disconnect();
}
