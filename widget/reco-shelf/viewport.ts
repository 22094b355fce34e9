/** Calls back with each change of "is the element within `rootMargin` of the viewport". */
export function watchViewport(el: Element, rootMargin: string, callback: (intersecting: boolean) => void): () => void {
  const observer = new IntersectionObserver(
    (entries) => {
      const last = entries[entries.length - 1];
      if (last) callback(last.isIntersecting);
    },
    { rootMargin },
  );
  observer.observe(el);
  return () => observer.disconnect();
}

/** Synchronous check, for the moment a result lands before any observer has reported. */
export function isOnScreen(el: Element): boolean {
  const r = el.getBoundingClientRect();
  return r.height > 0 && r.bottom > 0 && r.top < innerHeight && r.right > 0 && r.left < innerWidth;
}
