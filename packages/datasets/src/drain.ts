/**
 * The one loop behind every byte source of the readers (a file's chunks, a `ReadableStream`, an
 * inflater's output): yield each value until the source is done, and close the source when the
 * consumer stops early, so that a reader that refuses the data stops reading it.
 */

/** One step of a source: a value, or done (as an async iterator or a stream reader returns). */
export type Step<T> = { done: true; value?: unknown } | { done?: false; value: T };

/**
 * Yields what `read` returns until it is done. A failed read throws `onError(error)`; when the
 * consumer stops before the end (an error or `return`), `close` is awaited first.
 */
export async function* drain<T>(
  read: () => Promise<Step<T>>,
  onError: (error: unknown) => unknown,
  close: () => Promise<unknown>,
): AsyncGenerator<T> {
  let finished = false;
  try {
    for (;;) {
      let next: Step<T>;
      try {
        next = await read();
      } catch (error) {
        finished = true;
        throw onError(error);
      }
      if (next.done) {
        finished = true;
        return;
      }
      // A `throw` or `return` from the consumer arrives here, and the finally closes the source.
      yield next.value;
    }
  } finally {
    if (!finished) await close();
  }
}
